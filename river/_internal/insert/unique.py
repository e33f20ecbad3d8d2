"""Unique keys and state bitmasks, byte-identical to River Go's ``dbunique``."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from typing import Any

from river.driver.unique_batch import STATE_BITS
from river.errors import InvalidUniqueOptsError
from river.insert_opts import UniqueOpts
from river.job_args import go_json
from river.types import JobState
from river.unique_rules import UniqueRules

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
    t = t.astimezone(dt.UTC) if t.tzinfo else t.replace(tzinfo=dt.UTC)
    elapsed = (t - _GO_ZERO) // _MICRO
    step = period // _MICRO
    return _GO_ZERO + dt.timedelta(microseconds=elapsed - elapsed % step)


def format_rfc3339_like_go(t: dt.datetime, zone: dt.tzinfo | None = None) -> str:
    """Go's ``Format(time.RFC3339)`` of the instant ``t`` shown in ``zone``.

    ``zone`` None is the process's local time zone (``TZ``, else the system's), which is
    where Go's ``time.Now()`` puts its times. A zero offset is written ``Z``; otherwise
    ``±hh:mm`` (seconds of an offset dropped, as Go does).
    """
    utc = t.astimezone(dt.UTC) if t.tzinfo else t.replace(tzinfo=dt.UTC)
    shown = utc.astimezone(zone) if zone is not None else utc.astimezone()
    offset = shown.utcoffset()
    seconds = int(offset.total_seconds()) if offset is not None else 0
    if seconds == 0:
        suffix = "Z"
    else:
        sign = "-" if seconds < 0 else "+"
        minutes = abs(seconds) // 60
        suffix = f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    return (
        f"{shown.year:04d}-{shown.month:02d}-{shown.day:02d}"
        f"T{shown.hour:02d}:{shown.minute:02d}:{shown.second:02d}{suffix}"
    )


_DECODER = json.JSONDecoder()
_WS = " \t\n\r"
# A decoded object whose values are kept as their raw JSON text (nested: another RawObject).
RawObject = dict[str, Any]


def _raw_members(text: str) -> RawObject | None:
    """Top-level members of a JSON object with each value's raw text, as gjson gives them;
    None when ``text`` is not an object."""
    n = len(text)
    i = _skip_ws(text, 0)
    if i >= n or text[i] != "{":
        return None
    out: RawObject = {}
    i = _skip_ws(text, i + 1)
    if i < n and text[i] == "}":
        return out
    while True:
        key, i = _DECODER.raw_decode(text, i)
        i = _skip_ws(text, i)
        if text[i] != ":":
            raise ValueError(f"expected ':' at {i}")
        start = _skip_ws(text, i + 1)
        _, i = _DECODER.raw_decode(text, start)
        # A key given twice: its first value, as gjson finds it.
        out.setdefault(key, text[start:i])
        i = _skip_ws(text, i)
        if text[i] == "}":
            return out
        if text[i] != ",":
            raise ValueError(f"expected ',' at {i}")
        i = _skip_ws(text, i + 1)


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in _WS:
        i += 1
    return i


def _get_raw(members: RawObject, path: str) -> str | None:
    first, _, rest = path.partition(".")
    raw = members.get(first)
    if raw is None or not rest:
        return raw
    sub = _raw_members(raw)
    return None if sub is None else _get_raw(sub, rest)


def _set_raw(target: RawObject, path: str, raw: str) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        nxt = target.get(part)
        if isinstance(nxt, str):
            # sjson edits inside a value already set; only happens for overlapping paths.
            nxt = _raw_members(nxt)
        if not isinstance(nxt, dict):
            nxt = {}
        target[part] = nxt
        target = nxt
    target[parts[-1]] = raw


def _sjson_key(key: str) -> str:
    # sjson writes printable-ASCII keys verbatim (no \u003c escapes) and marshals the rest.
    if key.isascii() and key.isprintable() and '"' not in key and "\\" not in key:
        return '"' + key + '"'
    return go_json(key)


def _join(obj: RawObject) -> str:
    members = (_sjson_key(k) + ":" + (v if isinstance(v, str) else _join(v)) for k, v in obj.items())
    return "{" + ",".join(members) + "}"


def unique_args_json(encoded_args: str, by_args: bool | Iterable[str]) -> str:
    """The ``&args=`` part as River Go builds it with gjson/sjson.

    ``True``: every top-level key, sorted, with its raw value (``{}`` when there are none).
    Args that are not an object are refused, as River Go refuses them (an empty array
    excepted: Go finds no keys in it).
    A list of dot paths: those found, in sorted path order, nested as sjson nests them;
    Go starts from an empty buffer here, so when none is found the part is empty.
    Keys that are gjson path syntax (``.``, ``*``, ``?``, ...) are taken literally here.
    """
    members = _raw_members(encoded_args)
    if by_args is True:
        if members is None and encoded_args.strip(_WS) != "[]":
            # River Go fails the insert here (sjson is handed an empty path).
            raise InvalidUniqueOptsError(
                "unique by_args needs args that are a JSON object, got "
                f"{encoded_args[:60]!r}"
            )
        if not members:
            return "{}"
        return _join({k: members[k] for k in sorted(members)})
    picked: RawObject = {}
    if members and not isinstance(by_args, bool):
        for path in sorted(by_args):
            raw = _get_raw(members, path)
            if raw is not None:
                _set_raw(picked, path, raw)
    return _join(picked) if picked else ""


def unique_key_string(
    kind: str,
    encoded_args: str,
    opts: UniqueOpts,
    queue: str,
    now: dt.datetime,
    *,
    zone: dt.tzinfo | None = None,
    scheduled_at: dt.datetime | None = None,
    rules: UniqueRules = UniqueRules.RIVER_0_43,
) -> str:
    """River's key string: ``&kind=``, ``&args=``, ``&period=``, ``&queue=``, in that order.

    River v0.43 rules: the period is the insert time ``now`` rounded down to a multiple of
    ``by_period`` (counted from year 1), also for a job scheduled later: River Go's client
    computes the key before it fills in the scheduled time, so ``dbunique`` falls back to
    its clock. The period's start is written as Go writes its ``time.Now()``: in the local
    time zone (``zone``, default the process's), so keys agree with River Go processes
    that run with the same ``TZ``.

    River v0.48 rules: the period is that of ``scheduled_at`` when given (else ``now``),
    and its start is written in UTC whatever the zones of the process and of
    ``scheduled_at``.
    """
    key = ""
    if not opts.exclude_kind:
        key += "&kind=" + kind
    if opts.by_args:
        key += "&args=" + unique_args_json(encoded_args, opts.by_args)
    if opts.by_period:
        if rules is UniqueRules.RIVER_0_48:
            start = truncate_like_go(scheduled_at or now, opts.by_period)
            key += "&period=" + format_rfc3339_like_go(start, dt.UTC)
        else:
            start = truncate_like_go(now, opts.by_period)
            key += "&period=" + format_rfc3339_like_go(start, zone)
    if opts.by_queue:
        key += "&queue=" + queue
    return key


def unique_key(
    kind: str,
    encoded_args: str,
    opts: UniqueOpts,
    queue: str,
    now: dt.datetime,
    *,
    zone: dt.tzinfo | None = None,
    scheduled_at: dt.datetime | None = None,
    rules: UniqueRules = UniqueRules.RIVER_0_43,
) -> bytes:
    text = unique_key_string(
        kind, encoded_args, opts, queue, now, zone=zone, scheduled_at=scheduled_at, rules=rules
    )
    # A lone surrogate in the args is hashed as is: the args' check where they are
    # bound refuses them with InvalidJSONValueError, naming the field.
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
