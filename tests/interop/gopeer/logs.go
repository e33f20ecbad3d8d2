package main

import (
	"context"
	"log/slog"
	"os"
	"strings"
)

// eventLog is River Go's logger in the work command. Warnings and errors are printed as
// River Go's default logger prints them. The debug line River Go's producer logs when it
// takes a queue's new metadata (from a metadata_changed control message, or from its
// settings poll in poll-only mode) is reported as a queue_metadata_changed event: without
// River Pro's pilot, that line is the only trace of the change River Go leaves.
type eventLog struct {
	text slog.Handler
}

func newEventLog() *slog.Logger {
	return slog.New(eventLog{text: slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelWarn})})
}

// Enabled lets debug records through: the metadata line is one.
func (h eventLog) Enabled(context.Context, slog.Level) bool { return true }

func (h eventLog) Handle(ctx context.Context, record slog.Record) error {
	if strings.HasSuffix(record.Message, ": Queue metadata changed") {
		line := map[string]any{"event": "queue_metadata_changed"}
		record.Attrs(func(attr slog.Attr) bool {
			if attr.Key == "queue" {
				line["queue"] = attr.Value.String()
			}
			return true
		})
		report(line)
		return nil
	}
	if !h.text.Enabled(ctx, record.Level) {
		return nil
	}
	return h.text.Handle(ctx, record)
}

func (h eventLog) WithAttrs(attrs []slog.Attr) slog.Handler {
	return eventLog{text: h.text.WithAttrs(attrs)}
}

func (h eventLog) WithGroup(name string) slog.Handler {
	return eventLog{text: h.text.WithGroup(name)}
}
