// Command rivergo is River Go's burn-down benchmark, for comparing with river-queue's
// `river bench -n N`: it inserts N no-op jobs, then times a River Go client working them
// all, with the settings of River's own `river bench` (2,000 workers on the default queue,
// 2 ms fetch cooldown, 20 ms fetch poll interval). It prints one JSON object.
//
// The time runs from the client's start to the last job's completion event; CPU is this
// process's user and system time over the same span (getrusage).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

type noopArgs struct {
	Num int `json:"num"`
}

func (noopArgs) Kind() string { return "benchmark" }

type noopWorker struct {
	river.WorkerDefaults[noopArgs]
}

func (*noopWorker) Work(context.Context, *river.Job[noopArgs]) error { return nil }

type result struct {
	Program         string  `json:"program"`
	RiverVersion    string  `json:"river_version"`
	Jobs            int     `json:"jobs"`
	MaxWorkers      int     `json:"max_workers"`
	FetchCooldownMs float64 `json:"fetch_cooldown_ms"`
	FetchPollMs     float64 `json:"fetch_poll_interval_ms"`
	InsertSeconds   float64 `json:"insert_seconds"`
	WorkSeconds     float64 `json:"work_seconds"`
	JobsPerSec      float64 `json:"jobs_per_sec"`
	WorkCPUSeconds  float64 `json:"work_cpu_seconds"`
	WorkCPUUsPerJob float64 `json:"work_cpu_us_per_job"`
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func riverVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "github.com/riverqueue/river" {
				return dep.Version
			}
		}
	}
	return "unknown"
}

func run() error {
	var (
		databaseURL = flag.String("database-url", os.Getenv("DATABASE_URL"), "postgres:// URL")
		schema      = flag.String("schema", "", "schema of River's tables (migrated, emptied here)")
		numJobs     = flag.Int("num-total-jobs", 100_000, "jobs to insert, then work")
		maxWorkers  = flag.Int("max-workers", 2_000, "default queue's MaxWorkers")
		cooldown    = flag.Duration("fetch-cooldown", 2*time.Millisecond, "FetchCooldown")
		poll        = flag.Duration("fetch-poll-interval", 20*time.Millisecond, "FetchPollInterval")
		timeout     = flag.Duration("timeout", 10*time.Minute, "give up after this long")
	)
	flag.Parse()
	if *numJobs < 1 {
		return fmt.Errorf("-num-total-jobs must be at least 1")
	}

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	pool, err := pgxpool.New(ctx, *databaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()

	table := pgx.Identifier{"river_job"}
	if *schema != "" {
		table = pgx.Identifier{*schema, "river_job"}
	}
	if _, err := pool.Exec(ctx, "TRUNCATE "+table.Sanitize()); err != nil {
		return err
	}
	if _, err := pool.Exec(ctx, "VACUUM FULL "+table.Sanitize()); err != nil {
		return err
	}

	workers := river.NewWorkers()
	river.AddWorker(workers, &noopWorker{})
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		FetchCooldown:     *cooldown,
		FetchPollInterval: *poll,
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: *maxWorkers}},
		Schema:            *schema,
		Workers:           workers,
	})
	if err != nil {
		return err
	}
	events, unsubscribe := client.SubscribeConfig(&river.SubscribeConfig{
		// Large enough that no completion event is dropped.
		ChanSize: *numJobs,
		Kinds:    []river.EventKind{river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled},
	})
	defer unsubscribe()

	insertStart := time.Now()
	const batch = 5_000
	params := make([]river.InsertManyParams, 0, batch)
	for n := 1; n <= *numJobs; n++ {
		params = append(params, river.InsertManyParams{Args: noopArgs{Num: n}})
		if len(params) == batch || n == *numJobs {
			if _, err := client.InsertMany(ctx, params); err != nil {
				return err
			}
			params = params[:0]
		}
	}
	insertSeconds := time.Since(insertStart).Seconds()

	cpuStart := cpuSeconds()
	start := time.Now()
	if err := client.Start(ctx); err != nil {
		return err
	}
	var last time.Time
	for done := 0; done < *numJobs; {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d of %d jobs worked before the timeout", done, *numJobs)
		case event := <-events:
			if event.Kind != river.EventKindJobCompleted {
				return fmt.Errorf("job %d: unexpected event %s", event.Job.ID, event.Kind)
			}
			done++
			last = time.Now()
		}
	}
	workCPU := cpuSeconds() - cpuStart
	if err := client.Stop(ctx); err != nil {
		return err
	}
	work := last.Sub(start).Seconds()

	return json.NewEncoder(os.Stdout).Encode(result{
		Program:         "river_go",
		RiverVersion:    riverVersion(),
		Jobs:            *numJobs,
		MaxWorkers:      *maxWorkers,
		FetchCooldownMs: float64(*cooldown) / float64(time.Millisecond),
		FetchPollMs:     float64(*poll) / float64(time.Millisecond),
		InsertSeconds:   insertSeconds,
		WorkSeconds:     work,
		JobsPerSec:      float64(*numJobs) / work,
		WorkCPUSeconds:  workCPU,
		WorkCPUUsPerJob: workCPU * 1e6 / float64(*numJobs),
	})
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "rivergo:", err)
		os.Exit(1)
	}
}
