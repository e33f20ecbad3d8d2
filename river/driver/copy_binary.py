"""Jobs as PostgreSQL's binary COPY format, in ``sql_job.COPY_COLUMNS`` order.

Built in pieces, each in one pass without per-value adapters: a batch's jobs mostly share
every column but ``args``, so the encoded rest of a row is kept per distinct value and
reused. No I/O.
"""

from __future__ import annotations

import datetime as dt
import struct
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar

from river.driver.params import JobInsertFastParams
from river.errors import InvalidInsertError
from river.types import JobState

T = TypeVar("T")

HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"

_STATE_TEXT = {s: s.value for s in JobState}  # faster than the enum's ``.value``
_PG_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_VARCHAR_OID = 1043
_NULL = b"\xff\xff\xff\xff"
# Field count (12), then the args field: its length and the jsonb format version (1).
_ROW_START = struct.Struct("!hiB")
_INT2 = struct.Struct("!ih")
_INT4 = struct.Struct("!i")
_TIMESTAMP = struct.Struct("!iq")


def _timestamp(value: dt.datetime) -> bytes:
    # Microseconds since 2000-01-01 UTC; a naive time counts as UTC, as inserts take it.
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    delta = value - _PG_EPOCH
    return _TIMESTAMP.pack(8, (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)


def _text(value: str, encoding: str) -> bytes:
    data = value.encode(encoding)
    return _INT4.pack(len(data)) + data


def _jsonb(value: str, encoding: str) -> bytes:
    data = value.encode(encoding)
    return _INT4.pack(len(data) + 1) + b"\x01" + data


def _int2(name: str, value: int) -> bytes:
    if not -32_768 <= value <= 32_767:
        raise InvalidInsertError(f"{name} {value} does not fit the column (smallint)")
    return _INT2.pack(2, value)


def _text_array(values: Sequence[str], encoding: str) -> bytes:
    # ndim, has-nulls flag, element type; then per dimension its length and lower bound.
    if not values:
        body = struct.pack("!iii", 0, 0, _VARCHAR_OID)
    else:
        items = b"".join(_text(v, encoding) for v in values)
        body = struct.pack("!iiiii", 1, 0, _VARCHAR_OID, len(values), 1) + items
    return _INT4.pack(len(body)) + body


def _rest(key: tuple[Any, ...], encoding: str) -> bytes:
    """Every field after ``args``: created_at … unique_states (None times are ``key[0]``'s
    stand-in, resolved by the caller)."""
    (created_at, kind, max_attempts, metadata, priority, queue, scheduled_at, state, tags,
     unique_key, unique_states) = key
    if unique_states and not 0 < unique_states < 256:
        raise InvalidInsertError(f"unique_states {unique_states} does not fit bit(8)")
    return b"".join((
        _timestamp(created_at),
        _text(kind, encoding),
        _int2("max_attempts", max_attempts),
        _NULL if metadata is None else _jsonb(metadata, encoding),
        _int2("priority", priority),
        _text(queue, encoding),
        _timestamp(scheduled_at),
        _text(state, encoding),
        _text_array(tags, encoding),
        # An empty unique key or mask is stored as NULL, as inserts do.
        _INT4.pack(len(unique_key)) + unique_key if unique_key else _NULL,
        _INT4.pack(5) + _INT4.pack(8) + bytes((unique_states,)) if unique_states else _NULL,
    ))


#: Jobs a piece of COPY data holds: about 60 kB for small args, so that the database works
#: on one piece while the next is built.
PIECE_ROWS = 500


def in_pieces(items: Iterable[T], size: int = PIECE_ROWS) -> Iterator[list[T]]:
    """``items`` as lists of ``size`` (the last may be shorter), taken lazily."""
    it = iter(items)
    while piece := list(islice(it, size)):
        yield piece


def copy_pieces(
    pieces: Iterable[Sequence[JobInsertFastParams]],
    now: dt.datetime | None = None,
    encoding: str = "utf-8",
) -> Iterator[bytes]:
    """Binary COPY data of the jobs, one ``bytes`` per piece of jobs (the header with the
    first, the trailer after the last; nothing for no jobs). A list of pieces is encoded
    whole before the first ``bytes`` is returned, so that every check fails before a COPY
    sends anything; any other iterable is encoded as it is asked for, so that a COPY sends
    each piece while the next is built. A job's missing created_at or scheduled_at is
    ``now`` (the current time by default)."""
    encoded = _framed(_encode(pieces, now, encoding))
    return iter(list(encoded)) if isinstance(pieces, list) else encoded


def _encode(
    pieces: Iterable[Sequence[JobInsertFastParams]], now: dt.datetime | None, encoding: str
) -> Iterator[list[bytes]]:
    if now is None:
        now = dt.datetime.now(dt.UTC)
    start = _ROW_START.pack
    rests: dict[tuple[Any, ...], bytes] = {}
    for piece in pieces:
        out: list[bytes] = []
        append = out.append
        for p in piece:
            # The state by identity: an enum member's hash is a Python-level call.
            key = (p.created_at, p.kind, p.max_attempts, p.metadata, p.priority, p.queue,
                   p.scheduled_at, id(p.state), p.tags, p.unique_key, p.unique_states)
            try:
                rest = rests.get(key)
            except TypeError:  # tags given as a list
                key = (*key[:8], tuple(key[8]), *key[9:])
                rest = rests.get(key)
            if rest is None:
                rest = rests[key] = _rest(
                    (key[0] or now, *key[1:6], key[6] or now, _STATE_TEXT[p.state], *key[8:]),
                    encoding,
                )
            data = p.encoded_args.encode(encoding)
            append(start(12, len(data) + 1, 1))
            append(data)
            append(rest)
        yield out


def copy_pieces_of_rows(
    rows: Iterable[tuple[Any, ...]], encoding: str = "utf-8"
) -> Iterator[bytes]:
    """Rows already in ``COPY_COLUMNS`` order (state as text) as binary COPY data, in
    pieces of ``PIECE_ROWS`` as ``copy_pieces`` gives them."""
    return _framed(_encode_rows(in_pieces(rows), encoding))


def _encode_rows(pieces: Iterable[list[tuple[Any, ...]]], encoding: str) -> Iterator[list[bytes]]:
    start = _ROW_START.pack
    rests: dict[tuple[Any, ...], bytes] = {}
    for piece in pieces:
        out: list[bytes] = []
        append = out.append
        for r in piece:
            key = (*r[1:9], tuple(r[9]), r[10], r[11])
            rest = rests.get(key)
            if rest is None:
                rest = rests[key] = _rest(key, encoding)
            data = r[0].encode(encoding)
            append(start(12, len(data) + 1, 1))
            append(data)
            append(rest)
        yield out


def _framed(pieces: Iterable[list[bytes]]) -> Iterator[bytes]:
    """Each piece's encoded rows as one ``bytes``: the header before the first piece, the
    trailer after the last; nothing for no rows."""
    head = HEADER
    for out in pieces:
        if out:
            yield head + b"".join(out) if head else b"".join(out)
            head = b""
    if not head:
        yield TRAILER
