package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

type pgxTx = pgx.Tx

type insertRequest struct {
	// Mode: insert (one Insert per job), insert_many, or insert_many_fast (COPY).
	Mode string `json:"mode"`
	// Rollback: insert each job in a transaction of its own that is rolled back, to read
	// the row River Go builds (its unique key among them) without keeping it.
	Rollback bool       `json:"rollback"`
	Now      *time.Time `json:"now"`
	Jobs     []jobSpec  `json:"jobs"`
}

type jobSpec struct {
	Kind string          `json:"kind"`
	Args json.RawMessage `json:"args"`
	Opts *optsSpec       `json:"opts"`
}

type optsSpec struct {
	MaxAttempts int             `json:"max_attempts"`
	Metadata    json.RawMessage `json:"metadata"`
	Pending     bool            `json:"pending"`
	Priority    int             `json:"priority"`
	Queue       string          `json:"queue"`
	ScheduledAt *time.Time      `json:"scheduled_at"`
	Tags        []string        `json:"tags"`
	Unique      *uniqueSpec     `json:"unique"`
}

type uniqueSpec struct {
	ByArgs          bool     `json:"by_args"`
	ByPeriodSeconds float64  `json:"by_period_seconds"`
	ByQueue         bool     `json:"by_queue"`
	ByState         []string `json:"by_state"`
	ExcludeKind     bool     `json:"exclude_kind"`
}

func (s *optsSpec) insertOpts() *river.InsertOpts {
	if s == nil {
		return nil
	}
	opts := &river.InsertOpts{
		MaxAttempts: s.MaxAttempts,
		Metadata:    s.Metadata,
		Pending:     s.Pending,
		Priority:    s.Priority,
		Queue:       s.Queue,
		Tags:        s.Tags,
	}
	if string(s.Metadata) == "null" {
		opts.Metadata = nil // not set
	}
	if s.ScheduledAt != nil {
		opts.ScheduledAt = *s.ScheduledAt
	}
	if u := s.Unique; u != nil {
		opts.UniqueOpts = river.UniqueOpts{
			ByArgs:      u.ByArgs,
			ByPeriod:    time.Duration(u.ByPeriodSeconds * float64(time.Second)),
			ByQueue:     u.ByQueue,
			ExcludeKind: u.ExcludeKind,
		}
		if u.ByState != nil {
			opts.UniqueOpts.ByState = []rivertype.JobState{}
			for _, state := range u.ByState {
				opts.UniqueOpts.ByState = append(opts.UniqueOpts.ByState, rivertype.JobState(state))
			}
		}
	}
	return opts
}

type jobOut struct {
	ID           int64           `json:"id"`
	Kind         string          `json:"kind"`
	Queue        string          `json:"queue"`
	State        string          `json:"state"`
	Attempt      int             `json:"attempt"`
	EncodedArgs  string          `json:"encoded_args"`
	Metadata     json.RawMessage `json:"metadata"`
	Tags         []string        `json:"tags"`
	Priority     int             `json:"priority"`
	MaxAttempts  int             `json:"max_attempts"`
	ScheduledAt  time.Time       `json:"scheduled_at"`
	CreatedAt    time.Time       `json:"created_at"`
	UniqueKey    *string         `json:"unique_key"`
	UniqueStates []string        `json:"unique_states"`
	Skipped      bool            `json:"skipped"`
	// MarshalledArgs is json.Marshal of the job's args: the bytes River Go keys on.
	MarshalledArgs string `json:"marshalled_args,omitempty"`
}

func rowOut(row *rivertype.JobRow) jobOut {
	out := jobOut{
		ID: row.ID, Kind: row.Kind, Queue: row.Queue, State: string(row.State),
		Attempt: row.Attempt, EncodedArgs: string(row.EncodedArgs), Metadata: row.Metadata,
		Tags: row.Tags, Priority: row.Priority, MaxAttempts: row.MaxAttempts,
		ScheduledAt: row.ScheduledAt.UTC(), CreatedAt: row.CreatedAt.UTC(),
		UniqueStates: []string{},
	}
	if row.UniqueKey != nil {
		key := hex.EncodeToString(row.UniqueKey)
		out.UniqueKey = &key
	}
	for _, state := range row.UniqueStates {
		out.UniqueStates = append(out.UniqueStates, string(state))
	}
	return out
}

func cmdInsert(e env, raw json.RawMessage) (any, error) {
	var req insertRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		return nil, err
	}
	client, err := newClient(e, &river.Config{}, req.Now)
	if err != nil {
		return nil, err
	}
	params := make([]river.InsertManyParams, 0, len(req.Jobs))
	for _, job := range req.Jobs {
		args, err := decodeArgs(job.Kind, job.Args)
		if err != nil {
			return nil, fmt.Errorf("args of %s: %w", job.Kind, err)
		}
		params = append(params, river.InsertManyParams{Args: args, InsertOpts: job.Opts.insertOpts()})
	}

	tx, err := e.pool.Begin(e.ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(e.ctx) //nolint:errcheck

	marshalled := make([]string, len(params))
	for i, p := range params {
		encoded, err := json.Marshal(p.Args)
		if err != nil {
			return nil, err
		}
		marshalled[i] = string(encoded)
	}
	result := map[string]any{"marshalled_args": marshalled}
	var jobs []jobOut
	switch req.Mode {
	case "insert", "":
		for _, p := range params {
			jobTx := tx
			if req.Rollback {
				if jobTx, err = e.pool.Begin(e.ctx); err != nil {
					return nil, err
				}
			}
			res, err := client.InsertTx(e.ctx, jobTx, p.Args, p.InsertOpts)
			if req.Rollback {
				_ = jobTx.Rollback(e.ctx)
			}
			if err != nil {
				return nil, err
			}
			out := rowOut(res.Job)
			out.Skipped = res.UniqueSkippedAsDuplicate
			jobs = append(jobs, out)
		}
	case "insert_many":
		results, err := client.InsertManyTx(e.ctx, tx, params)
		if err != nil {
			return nil, err
		}
		for _, res := range results {
			out := rowOut(res.Job)
			out.Skipped = res.UniqueSkippedAsDuplicate
			jobs = append(jobs, out)
		}
	case "insert_many_fast":
		count, err := client.InsertManyFastTx(e.ctx, tx, params)
		if err != nil {
			return nil, err
		}
		result["count"] = count
	default:
		return nil, fmt.Errorf("unknown insert mode %q", req.Mode)
	}
	if !req.Rollback {
		if err := tx.Commit(e.ctx); err != nil {
			return nil, err
		}
	}
	if jobs == nil {
		jobs = []jobOut{}
	}
	result["jobs"] = jobs
	return result, nil
}
