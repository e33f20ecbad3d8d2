package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
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
	// ClientID is the client's ID (River's default: a random one).
	ClientID string `json:"client_id"`
	// UntilStdinCloses: also stop when stdin closes (the caller's signal to stop).
	UntilStdinCloses bool `json:"until_stdin_closes"`
	// Periodic: a periodic job the client inserts while it leads (none if unset).
	Periodic *periodicSpec `json:"periodic"`
	// RescueAfterSeconds and JobTimeoutSeconds: River's RescueStuckJobsAfter and
	// JobTimeout (River's defaults if 0).
	RescueAfterSeconds float64 `json:"rescue_after_seconds"`
	JobTimeoutSeconds  float64 `json:"job_timeout_seconds"`
}

// periodicSpec is a periodic job on an interval, inserted also when the client is
// elected (RunOnStart). Its kind needs a worker (River Go checks kinds at insert).
type periodicSpec struct {
	Kind            string          `json:"kind"`
	Args            json.RawMessage `json:"args"`
	Queue           string          `json:"queue"`
	IntervalSeconds float64         `json:"interval_seconds"`
}

func (s *periodicSpec) jobs() []*river.PeriodicJob {
	if s == nil {
		return nil
	}
	args := RawArgs{kind: s.Kind, raw: s.Args}
	opts := &river.InsertOpts{Queue: s.Queue}
	return []*river.PeriodicJob{river.NewPeriodicJob(
		river.PeriodicInterval(seconds(s.IntervalSeconds)),
		func() (river.JobArgs, *river.InsertOpts) { return args, opts },
		&river.PeriodicJobOpts{RunOnStart: true},
	)}
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

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

// report writes one line of progress to stderr as JSON (the caller reads it while the
// peer runs): started, job_started, and the client's job and queue events.
func report(line map[string]any) {
	out, _ := json.Marshal(line)
	fmt.Fprintln(os.Stderr, string(out))
}

type rawWorker struct {
	river.WorkerDefaults[RawArgs]
	spec     kindSpec
	recorder *recorder
}

func (w *rawWorker) Work(ctx context.Context, job *river.Job[RawArgs]) error {
	report(map[string]any{"event": "job_started", "job_id": job.ID})
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
		Queues:               queues,
		Workers:              workers,
		PollOnly:             req.PollOnly,
		ID:                   req.ClientID,
		FetchCooldown:        20 * time.Millisecond,
		FetchPollInterval:    100 * time.Millisecond,
		PeriodicJobs:         req.Periodic.jobs(),
		RescueStuckJobsAfter: seconds(req.RescueAfterSeconds),
		JobTimeout:           seconds(req.JobTimeoutSeconds),
		Logger:               newEventLog(),
	}, nil)
	if err != nil {
		return nil, err
	}
	events, cancelEvents := client.Subscribe(river.EventKindJobCancelled, river.EventKindJobCompleted,
		river.EventKindJobFailed, river.EventKindJobSnoozed, river.EventKindQueuePaused,
		river.EventKindQueueResumed)
	defer cancelEvents()
	go func() {
		for event := range events {
			line := map[string]any{"event": string(event.Kind)}
			if event.Job != nil {
				line["job_id"] = event.Job.ID
				line["state"] = string(event.Job.State)
			}
			if event.Queue != nil {
				line["queue"] = event.Queue.Name
			}
			report(line)
		}
	}()
	if err := client.Start(e.ctx); err != nil {
		return nil, err
	}
	report(map[string]any{"event": "started", "client_id": client.ID()})
	stdinClosed := make(chan struct{})
	if req.UntilStdinCloses {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			close(stdinClosed)
		}()
	}
	timedOut := false
	select {
	case <-rec.done:
	case <-stdinClosed:
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
