"""The enqueue form: a job of any kind from its kind, args JSON, queue, priority, attempts
and scheduled time, each checked here (a ``BadRequest`` naming the field) before the
client inserts it with River's own rules."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from river.insert_opts import InsertOpts
from river.ui.forms import BadRequest, json_object_text, parse_text

ARGS_LIMIT = 64 * 1024


class FormArgs:
    """Args given as JSON text; each insert makes a subclass naming its kind."""

    kind: str

    def __init__(self, encoded: str) -> None:
        self._encoded = encoded

    def to_json(self) -> str:
        return self._encoded


@dataclass(frozen=True)
class EnqueueForm:
    kind: str
    args: str
    queue: str | None
    priority: int | None
    max_attempts: int | None
    scheduled_at: dt.datetime | None

    @classmethod
    def parse(cls, form: Any) -> EnqueueForm:
        def text(name: str) -> str | None:
            value = form.get(name)
            return value if isinstance(value, str) else None

        kind = parse_text(text("kind"), "kind")
        if kind is None:
            raise BadRequest("kind is required")
        raw_args = (text("args") or "").strip() or "{}"
        if len(raw_args) > ARGS_LIMIT:
            raise BadRequest(f"args is longer than {ARGS_LIMIT:,} characters")
        args = json_object_text(raw_args, "args")
        assert args is not None
        return cls(
            kind=kind,
            args=args,
            queue=parse_text(text("queue"), "queue"),
            priority=_small_int(text("priority"), "priority", 1, 4),
            max_attempts=_small_int(text("max_attempts"), "max_attempts", 1, 32_767),
            scheduled_at=_when(text("scheduled_at")),
        )

    def job_args(self) -> FormArgs:
        cls: type[FormArgs] = type("FormArgs", (FormArgs,), {"kind": self.kind})
        return cls(self.args)

    def opts(self) -> InsertOpts:
        return InsertOpts(
            queue=self.queue,
            priority=self.priority,
            max_attempts=self.max_attempts,
            scheduled_at=self.scheduled_at,
        )

    def echo(self) -> dict[str, str]:
        """The form's values, to show again."""
        return {"kind": self.kind, "args": json.dumps(json.loads(self.args), indent=2)}


def _small_int(value: str | None, field: str, low: int, high: int) -> int | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
        raise BadRequest(f"{field} must be a whole number from {low} to {high}, not {value[:40]!r}")
    return int(text)


def _when(value: str | None) -> dt.datetime | None:
    """An ISO 8601 time; without a timezone (as a browser's date-time field sends it)
    it is UTC."""
    if value is None or not value.strip():
        return None
    try:
        when = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadRequest(
            f"scheduled_at is not an ISO 8601 time: {value[:40]!r} (e.g. 2030-01-01T09:00)"
        ) from None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)
