package main

import (
	"encoding/json"
	"errors"
	"runtime/debug"
)

// cmdVersion reports the River release the peer was built with (go.mod or newest.mod),
// so tests can expect the behaviour of that release.
func cmdVersion(_ env, _ json.RawMessage) (any, error) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return nil, errors.New("no build info")
	}
	for _, dep := range info.Deps {
		if dep.Path == "github.com/riverqueue/river" {
			return map[string]any{"river": dep.Version}, nil
		}
	}
	return nil, errors.New("github.com/riverqueue/river is not a dependency")
}
