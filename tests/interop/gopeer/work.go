package main

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/riverqueue/river"
)

type workRequest struct {
	// Queues to work, each with its MaxWorkers.
	Queues map[string]int `json:"queues"`
	// Kinds the peer has workers for, and what each does.
	Kinds map[string]kindSpec `json:"kinds"`
	// Stop once this many jobs have been worked (attempts, not distinct jobs), or after
	// TimeoutSeconds.
	Expect         int     `json:"expect"`
	TimeoutSeconds float64 `json:"timeout_seconds"`
	PollOnly       bool    `json:"poll_only"`
}

type kindSpec struct {
	// Behaviour: noop (complete), fail (return an error), snooze, slow (sleep first),
	// cancel (JobCancel).
	Behaviour     string  `json:"behaviour"`
	SleepSeconds  float64 `json:"sleep_seconds"`
	SnoozeSeconds float64 `json:"snooze_seconds"`
}

type recorder struct {
	mu     sync.Mutex
	worked []jobOut
	expect int
	done   chan struct{}
}

func (r *recorder) add(job jobOut) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.worked = append(r.worked, job)
	if len(r.worked) == r.expect {
		close(r.done)
	}
}

type rawWorker struct {
	river.WorkerDefaults[RawArgs]
	spec     kindSpec
	recorder *recorder
}

func (w *rawWorker) Work(ctx context.Context, job *river.Job[RawArgs]) error {
	w.recorder.add(rowOut(job.JobRow))
	switch w.spec.Behaviour {
	case "fail":
		return errors.New("gopeer: failing as asked")
	case "snooze":
		return river.JobSnooze(time.Duration(w.spec.SnoozeSeconds * float64(time.Second)))
	case "cancel":
		return river.JobCancel(errors.New("gopeer: cancelling as asked"))
	case "slow":
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(w.spec.SleepSeconds * float64(time.Second))):
		}
	}
	return nil
}

func cmdWork(e env, raw json.RawMessage) (any, error) {
	var req workRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		return nil, err
	}
	rec := &recorder{expect: req.Expect, done: make(chan struct{})}
	workers := river.NewWorkers()
	for kind, spec := range req.Kinds {
		river.AddWorkerArgs(workers, RawArgs{kind: kind}, &rawWorker{spec: spec, recorder: rec})
	}
	queues := map[string]river.QueueConfig{}
	for name, maxWorkers := range req.Queues {
		queues[name] = river.QueueConfig{MaxWorkers: maxWorkers}
	}
	client, err := newClient(e, &river.Config{
		Queues:            queues,
		Workers:           workers,
		PollOnly:          req.PollOnly,
		FetchCooldown:     20 * time.Millisecond,
		FetchPollInterval: 100 * time.Millisecond,
	}, nil)
	if err != nil {
		return nil, err
	}
	if err := client.Start(e.ctx); err != nil {
		return nil, err
	}
	timedOut := false
	select {
	case <-rec.done:
	case <-time.After(time.Duration(req.TimeoutSeconds * float64(time.Second))):
		timedOut = true
	}
	stopCtx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
	defer cancel()
	if err := client.Stop(stopCtx); err != nil {
		return nil, err
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	worked := rec.worked
	if worked == nil {
		worked = []jobOut{}
	}
	return map[string]any{"worked": worked, "timed_out": timedOut}, nil
}
