"""How values are shown: times, ages, pretty JSON, and a job's detail sections."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from river.driver.unique_batch import STATE_BITS
from river.resumable import METADATA_KEY_CURSOR, METADATA_KEY_STEP
from river.stored_json import UndecodableJSON
from river.types import JobRow

LOG_KEY = "river:log"
ARGS_PREVIEW = 120
# Characters of stored JSON a job page shows when it was not decoded (too deeply nested).
RAW_JSON_SHOWN = 2_000


# Bidirectional controls (ALM, LRM, RLM, LRE..RLO, LRI..PDI) reorder the text after them:
# in stored args an RLO would make a value read backwards. JSON shows them as escapes, and
# other text as a visible code point; user text is also set in <bdi> so it cannot
# reorder what surrounds it.
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI_JSON = {ord(c): f"\\u{ord(c):04x}" for c in _BIDI}
_BIDI_TEXT = {ord(c): f"<U+{ord(c):04X}>" for c in _BIDI}


def bidi_json(text: str) -> str:
    """JSON text with bidi controls written as ``\\uXXXX`` escapes (they occur only
    inside strings, where the escape means the same character)."""
    return text.translate(_BIDI_JSON)


def bidi(value: object) -> str:
    """User text with bidi controls shown as ``<U+202E>``."""
    return str(value).translate(_BIDI_TEXT)


def timestamp(value: dt.datetime | None) -> str:
    if value is None:
        return "—"
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def age(value: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """``value`` relative to now: "3m 20s ago", "in 5m"."""
    if value is None:
        return "—"
    now = now or dt.datetime.now(dt.UTC)
    seconds = int((now - value).total_seconds())
    text = duration(abs(seconds))
    return f"{text} ago" if seconds >= 0 else f"in {text}"


def duration(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds}s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {secs}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes}m"
    return f"{hours // 24}d {hours % 24}h"


def job_count(n: int, cap: int | None = None) -> str:
    """A job count; one that reached ``cap`` reads "1,000+"."""
    return f"{n:,}+" if cap is not None and n >= cap else f"{n:,}"


def pretty_json(value: Any) -> str:
    """Indented JSON; stored JSON that was not decoded as its raw text, cut short."""
    if isinstance(value, UndecodableJSON):
        return bidi_json(clip(value.text))
    return bidi_json(json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str))


def clip(text: str, limit: int = RAW_JSON_SHOWN) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def undecoded_note(value: Any) -> str | None:
    """What a page says above JSON it shows undecoded, or None for decoded JSON."""
    if not isinstance(value, UndecodableJSON):
        return None
    size = len(value.text)
    shown = f", the first {RAW_JSON_SHOWN:,} shown" if size > RAW_JSON_SHOWN else ""
    return f"Not decoded ({value.reason}): the stored JSON, {size:,} characters{shown}."


def args_preview(job: JobRow) -> str:
    text = bidi_json(job.encoded_args)
    return text if len(text) <= ARGS_PREVIEW else text[: ARGS_PREVIEW - 1] + "…"


@dataclass
class TimelineEntry:
    at: dt.datetime
    label: str


@dataclass
class JobDetail:
    args: str
    metadata: str
    timeline: list[TimelineEntry]
    unique_key: str | None
    unique_states: list[str]
    resumable: dict[str, str] = field(default_factory=dict)
    logs: list[tuple[str, str]] = field(default_factory=list)
    output: str | None = None
    args_note: str | None = None
    metadata_note: str | None = None
    #: Decoded args and metadata small enough to show as foldable trees (else None).
    args_tree: Any = None
    metadata_tree: Any = None
    #: From scheduled to the last attempt's start, and that attempt's run time.
    wait: str | None = None
    run: str | None = None


def job_detail(job: JobRow) -> JobDetail:
    try:
        args = pretty_json(job.args)
    except ValueError:
        args = bidi_json(job.encoded_args)
    events = [TimelineEntry(job.created_at, "created")]
    if job.scheduled_at != job.created_at:
        events.append(TimelineEntry(job.scheduled_at, "scheduled to run"))
    if job.attempted_at is not None:
        events.append(TimelineEntry(job.attempted_at, f"attempt {job.attempt} started"))
    for err in job.errors:
        events.append(TimelineEntry(err.at, f"attempt {err.attempt} failed"))
    if job.finalized_at is not None:
        events.append(TimelineEntry(job.finalized_at, f"finalized: {job.state.value}"))
    events.sort(key=lambda e: e.at)
    # Another client may have stored metadata that is not an object.
    meta = job.metadata if isinstance(job.metadata, Mapping) else {}
    resumable = {
        label: pretty_json(meta[key])
        for label, key in (("step", METADATA_KEY_STEP), ("cursors", METADATA_KEY_CURSOR))
        if key in meta
    }
    # The log and output have their own sections; the metadata shows the rest.
    shown_meta = (
        {k: v for k, v in meta.items() if k not in (LOG_KEY, "output")}
        if isinstance(job.metadata, Mapping) and not isinstance(job.metadata, UndecodableJSON)
        else job.metadata
    )
    return JobDetail(
        args=args,
        metadata=pretty_json(shown_meta),
        args_tree=job.args if foldable(job.args) else None,
        metadata_tree=shown_meta if foldable(shown_meta) else None,
        wait=_span(job.scheduled_at, job.attempted_at),
        run=_span(job.attempted_at, job.finalized_at),
        timeline=events,
        unique_key=job.unique_key.hex() if job.unique_key else None,
        unique_states=[
            state.value for state, bit in STATE_BITS.items() if (job.unique_states or 0) & bit
        ],
        resumable=resumable,
        logs=_logs(meta.get(LOG_KEY)),
        output=pretty_json(meta["output"]) if "output" in meta else None,
        args_note=undecoded_note(job.args),
        metadata_note=undecoded_note(job.metadata),
    )


def _logs(value: Any) -> list[tuple[str, str]]:
    """River's per-attempt log: a list of ``{"attempt": n, "log": text}``."""
    if not isinstance(value, list):
        return [] if value is None else [("", pretty_json(value))]
    logs = []
    for entry in value:
        if isinstance(entry, dict) and "log" in entry:
            logs.append((f"attempt {entry.get('attempt', '?')}", bidi(entry["log"])))
        else:
            logs.append(("", pretty_json(entry)))
    return logs


#: Trees larger or deeper than these are shown as indented JSON text only.
TREE_NODES = 2_000
TREE_DEPTH = 24


def foldable(value: Any) -> bool:
    """Whether ``value`` is a decoded object or array small enough for a foldable tree."""
    if not isinstance(value, (dict, list)) or not value:
        return False
    budget = TREE_NODES
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        budget -= 1
        if budget < 0 or depth > TREE_DEPTH:
            return False
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return True


def scalar_json(value: Any) -> str:
    """A leaf of a JSON tree as JSON text."""
    return bidi_json(json.dumps(value, ensure_ascii=False, default=str))


def _span(start: dt.datetime | None, end: dt.datetime | None) -> str | None:
    if start is None or end is None or end < start:
        return None
    seconds = (end - start).total_seconds()
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f}s"
    return duration(int(seconds))


FILTERS: dict[str, Callable[..., str]] = {
    "timestamp": timestamp,
    "age": age,
    "pretty_json": pretty_json,
    "job_count": job_count,
    "args_preview": args_preview,
    "bidi": bidi,
    "scalar_json": scalar_json,
}
