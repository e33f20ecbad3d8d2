package main

import (
	"encoding/json"
	"fmt"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

type migrateRequest struct {
	// Action: up, down, validate, existing (the versions applied) or all (the versions
	// this River release knows).
	Action        string `json:"action"`
	TargetVersion int    `json:"target_version"`
	MaxSteps      int    `json:"max_steps"`
	DryRun        bool   `json:"dry_run"`
}

type versionOut struct {
	Version int    `json:"version"`
	Name    string `json:"name"`
	SQL     string `json:"sql"`
}

func cmdMigrate(e env, raw json.RawMessage) (any, error) {
	var req migrateRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		return nil, err
	}
	migrator, err := rivermigrate.New(riverpgxv5.New(e.pool), &rivermigrate.Config{Schema: e.schema})
	if err != nil {
		return nil, err
	}
	switch req.Action {
	case "up", "down":
		res, err := migrator.Migrate(e.ctx, rivermigrate.Direction(req.Action), &rivermigrate.MigrateOpts{
			DryRun: req.DryRun, MaxSteps: req.MaxSteps, TargetVersion: req.TargetVersion,
		})
		if err != nil {
			return nil, err
		}
		versions := []versionOut{}
		for _, v := range res.Versions {
			versions = append(versions, versionOut{Version: v.Version, Name: v.Name, SQL: v.SQL})
		}
		return map[string]any{"versions": versions}, nil
	case "validate":
		res, err := migrator.Validate(e.ctx, nil)
		if err != nil {
			return nil, err
		}
		messages := res.Messages
		if messages == nil {
			messages = []string{}
		}
		return map[string]any{"ok": res.OK, "messages": messages}, nil
	case "all":
		// Every version this River release knows, applied or not.
		versions := []int{}
		for _, m := range migrator.AllVersions() {
			versions = append(versions, m.Version)
		}
		return map[string]any{"versions": versions}, nil
	case "existing":
		existing, err := migrator.ExistingVersions(e.ctx)
		if err != nil {
			return nil, err
		}
		versions := []int{}
		for _, m := range existing {
			versions = append(versions, m.Version)
		}
		return map[string]any{"versions": versions}, nil
	}
	return nil, fmt.Errorf("unknown migrate action %q", req.Action)
}
