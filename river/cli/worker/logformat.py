"""``river worker --log-format json``: one JSON object per log record and line."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable
from typing import Any

# The structured ``extra`` fields the library puts on job records.
JOB_FIELDS = ("job_id", "job_kind", "queue", "attempt", "max_attempts", "outcome", "duration")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JSONFormatter(logging.Formatter):
    """``time`` (UTC, RFC 3339 with milliseconds), ``level``, ``logger``, ``message``, the
    job fields present on the record, and ``exc_info`` / ``stack_info`` text."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": _rfc3339(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in JOB_FIELDS:
            if name in record.__dict__:
                out[name] = record.__dict__[name]
        if record.exc_info:
            out["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            out["exc_info"] = record.exc_text
        if record.stack_info:
            out["stack_info"] = self.formatStack(record.stack_info)
        # default=str: a field of an unexpected type is written, never a lost record.
        return json.dumps(out, ensure_ascii=False, default=str)


def _rfc3339(created: float) -> str:
    stamp = dt.datetime.fromtimestamp(created, dt.UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


def json_line(message: str, *, level: str = "WARNING", logger: str = "river.worker") -> str:
    """A line written outside logging (from a signal handler), shaped as a JSON record."""
    out = {"time": _rfc3339(time.time()), "level": level, "logger": logger, "message": message}
    return json.dumps(out, ensure_ascii=False)


def stage_line(log_format: str) -> Callable[[str], str] | None:
    """How ``river worker`` writes its stop stages in ``log_format`` (None: as text)."""
    return json_line if log_format == "json" else None


def configure(level: str, log_format: str) -> None:
    """Send every record at ``level`` or above (the library's ``river.*`` loggers too) to
    stderr, as text or JSON lines."""
    formatter = JSONFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    logging.basicConfig(level=level, stream=None, force=True)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)
