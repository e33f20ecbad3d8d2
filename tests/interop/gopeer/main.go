// Command gopeer drives River Go for river-queue's interoperability tests.
//
// Usage: gopeer <command> --url URL --schema SCHEMA, with the command's request as JSON
// on stdin and its result as JSON on stdout. Commands: insert, work, queue, migrate, version.
// Any error is printed as {"error": "..."} with exit status 1.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

type env struct {
	ctx    context.Context
	pool   *pgxpool.Pool
	schema string
}

var commands = map[string]func(env, json.RawMessage) (any, error){
	"insert":  cmdInsert,
	"work":    cmdWork,
	"queue":   cmdQueue,
	"migrate": cmdMigrate,
	"version": cmdVersion,
}

func main() {
	if len(os.Args) < 2 || commands[os.Args[1]] == nil {
		fail(fmt.Errorf("usage: gopeer insert|work|queue|migrate --url URL --schema SCHEMA < request.json"))
	}
	cmd := commands[os.Args[1]]
	flags := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	url := flags.String("url", "", "database URL")
	schema := flags.String("schema", "", "River's schema")
	_ = flags.Parse(os.Args[2:])

	var request json.RawMessage
	if err := json.NewDecoder(os.Stdin).Decode(&request); err != nil {
		fail(fmt.Errorf("reading the request from stdin: %w", err))
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, *url)
	if err != nil {
		fail(err)
	}
	defer pool.Close()
	result, err := cmd(env{ctx: ctx, pool: pool, schema: *schema}, request)
	if err != nil {
		fail(err)
	}
	out, err := json.Marshal(result)
	if err != nil {
		fail(err)
	}
	fmt.Println(string(out))
}

func fail(err error) {
	out, _ := json.Marshal(map[string]string{"error": err.Error()})
	fmt.Println(string(out))
	os.Exit(1)
}

// newClient makes a client on the schema; now, when set, stubs River's clock.
func newClient(e env, config *river.Config, now *time.Time) (*river.Client[pgxTx], error) {
	config.Schema = e.schema
	if now != nil {
		// Shown in the local zone, as time.Now() is.
		config.Test.Time = fixedTime{now.Local()}
	}
	return river.NewClient(riverpgxv5.New(e.pool), config)
}

// fixedTime is a stopped clock: River's TimeGenerator that always says t.
type fixedTime struct{ t time.Time }

func (f fixedTime) Now() time.Time { return f.t }

func (f fixedTime) NowOrNil() *time.Time { t := f.t; return &t }
