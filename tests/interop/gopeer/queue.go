package main

import (
	"encoding/json"
	"fmt"

	"github.com/riverqueue/river"
)

type queueRequest struct {
	// Action: pause, resume, update (metadata), get, cancel (a job by id), or
	// request_resign (ask the leader to resign).
	Action   string          `json:"action"`
	Queue    string          `json:"queue"`
	Metadata json.RawMessage `json:"metadata"`
	JobID    int64           `json:"job_id"`
}

func cmdQueue(e env, raw json.RawMessage) (any, error) {
	var req queueRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		return nil, err
	}
	client, err := newClient(e, &river.Config{}, nil)
	if err != nil {
		return nil, err
	}
	switch req.Action {
	case "pause":
		return map[string]any{}, client.QueuePause(e.ctx, req.Queue, nil)
	case "resume":
		return map[string]any{}, client.QueueResume(e.ctx, req.Queue, nil)
	case "update", "get":
		var queue any
		if req.Action == "update" {
			queue, err = client.QueueUpdate(e.ctx, req.Queue, &river.QueueUpdateParams{Metadata: req.Metadata})
		} else {
			queue, err = client.QueueGet(e.ctx, req.Queue)
		}
		if err != nil {
			return nil, err
		}
		return map[string]any{"queue": queue}, nil
	case "request_resign":
		return map[string]any{}, client.Notify().RequestResign(e.ctx)
	case "cancel":
		row, err := client.JobCancel(e.ctx, req.JobID)
		if err != nil {
			return nil, err
		}
		return map[string]any{"job": rowOut(row)}, nil
	}
	return nil, fmt.Errorf("unknown queue action %q", req.Action)
}
