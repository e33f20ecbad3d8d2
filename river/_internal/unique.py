"""Unique keys and state bitmasks, byte-identical to River Go's ``dbunique``."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from typing import Any

from river.insert_opts import UniqueOpts
from river.job_args import go_json
from river.types import JobState

# Bit of each state in ``unique_states`` (available is the lowest bit).
STATE_BITS = {
    JobState.AVAILABLE: 1 << 0,
    JobState.CANCELLED: 1 << 1,
    JobState.COMPLETED: 1 << 2,
    JobState.DISCARDED: 1 << 3,
    JobState.PENDING: 1 << 4,
    JobState.RETRYABLE: 1 << 5,
    JobState.RUNNING: 1 << 6,
    JobState.SCHEDULED: 1 << 7,
}
DEFAULT_UNIQUE_STATES = (
    JobState.AVAILABLE,
    JobState.COMPLETED,
    JobState.PENDING,
    JobState.RETRYABLE,
    JobState.RUNNING,
    JobState.SCHEDULED,
)
_GO_ZERO = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
_MICRO = dt.timedelta(microseconds=1)


def unique_states_bitmask(states: Iterable[JobState]) -> int:
    mask = 0
    for state in states:
        mask |= STATE_BITS[JobState(state)]
    return mask


def truncate_like_go(t: dt.datetime, period: dt.timedelta) -> dt.datetime:
    """Go's ``time.Truncate``: round down to a multiple of ``period`` since year 1."""
    t = t.astimezone(dt.UTC)
    elapsed = (t - _GO_ZERO) // _MICRO
    step = period // _MICRO
    return _GO_ZERO + dt.timedelta(microseconds=elapsed - elapsed % step)


def _format_rfc3339(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _set_path(target: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        nxt = target.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            target[part] = nxt
        target = nxt
    target[parts[-1]] = value


def _get_path(data: Any, path: str) -> tuple[bool, Any]:
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            return False, None
        data = data[part]
    return True, data


def unique_args_json(encoded_args: str, by_args: bool | Iterable[str]) -> str:
    data = json.loads(encoded_args)
    if not isinstance(data, dict):
        return go_json(data)
    if by_args is True:
        return go_json({k: data[k] for k in sorted(data)})
    picked: dict[str, Any] = {}
    for path in sorted(by_args) if not isinstance(by_args, bool) else ():
        found, value = _get_path(data, path)
        if found:
            _set_path(picked, path, value)
    return go_json(picked)


def unique_key_string(
    kind: str,
    encoded_args: str,
    opts: UniqueOpts,
    queue: str,
    scheduled_at: dt.datetime | None,
    now: dt.datetime,
) -> str:
    key = ""
    if not opts.exclude_kind:
        key += "&kind=" + kind
    if opts.by_args:
        key += "&args=" + unique_args_json(encoded_args, opts.by_args)
    if opts.by_period:
        key += "&period=" + _format_rfc3339(truncate_like_go(scheduled_at or now, opts.by_period))
    if opts.by_queue:
        key += "&queue=" + queue
    return key


def unique_key(
    kind: str,
    encoded_args: str,
    opts: UniqueOpts,
    queue: str,
    scheduled_at: dt.datetime | None,
    now: dt.datetime,
) -> bytes:
    text = unique_key_string(kind, encoded_args, opts, queue, scheduled_at, now)
    return hashlib.sha256(text.encode()).digest()
