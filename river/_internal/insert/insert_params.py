"""Turn args and options into validated insert parameters (nothing touches the database)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from typing import Any

from river._internal.insert.unique import DEFAULT_UNIQUE_STATES, unique_key, unique_states_bitmask
from river.batch import batch_metadata, batch_opts_of, has_batch_opts
from river.driver.params import JobInsertFastParams
from river.errors import InvalidInsertError
from river.insert_opts import (
    InsertManyParams,
    InsertOpts,
    check_storable_kind,
    encode_metadata,
    validate_max_attempts,
    validate_priority,
    validate_queue_name,
    validate_tags,
)
from river.job_args import encode_args, encode_args_stored, kind_of, stored_encoder
from river.sequence import has_sequence_opts, sequence_metadata, sequence_opts_of
from river.types import JobState
from river.unique_rules import UniqueRules, unique_opts_empty, validate_unique_opts

_EMPTY = InsertOpts()


@cache
def _checked_kind(cls: Any) -> str:
    kind = kind_of(cls)
    check_storable_kind(kind)
    return kind


@cache
def _has_insert_opts(cls: Any) -> bool:
    """Whether ``cls`` declares ``insert_opts()``, ``sequence_opts()`` or ``batch_opts()``
    (any takes it off the bulk path of plain defaults)."""
    return (
        callable(getattr(cls, "insert_opts", None))
        or has_sequence_opts(cls)
        or has_batch_opts(cls)
    )


@cache
def _defaults(
    cls: Any, max_attempts: int, priority: int, queue: str
) -> tuple[str, int, int, str]:
    validate_max_attempts(max_attempts)
    validate_priority(priority)
    validate_queue_name(queue)
    return _checked_kind(cls), max_attempts, priority, queue


def _first(*values: Any) -> Any:
    for v in values:
        if v is not None:
            return v
    return None


def _own_insert_opts(args: Any) -> Any:
    try:
        return args.insert_opts()
    except Exception as exc:
        raise InvalidInsertError(
            f"{type(args).__name__}.insert_opts() raised {type(exc).__name__}: {exc}"
        ) from exc


def build_insert_params(
    args: Any,
    opts: InsertOpts | None,
    *,
    default_max_attempts: int = 25,
    default_queue: str = "default",
    default_priority: int = 1,
    now: dt.datetime,
    enforce_unique: bool = True,
    unique_rules: UniqueRules = UniqueRules.RIVER_0_43,
) -> JobInsertFastParams:
    """Precedence per field: ``opts`` over ``args.insert_opts()`` over client defaults;
    ``enforce_unique=False`` drops unique options from both; ``unique_rules`` is the River
    release whose unique-job rules apply."""
    cls = args.__class__
    if opts is None and not _has_insert_opts(cls):
        # The common bulk case: everything but the args comes from validated defaults.
        kind, max_attempts, priority, queue = _defaults(
            cls, default_max_attempts, default_priority, default_queue
        )
        return JobInsertFastParams(
            encoded_args=encode_args_stored(args), kind=kind, max_attempts=max_attempts,
            priority=priority, queue=queue,
        )
    kind = _checked_kind(cls)
    call = opts or _EMPTY
    own: InsertOpts = (
        _own_insert_opts(args) if callable(getattr(cls, "insert_opts", None)) else _EMPTY
    )
    if not isinstance(own, InsertOpts):
        raise TypeError(f"{cls.__name__}.insert_opts() must return InsertOpts, got {own!r}")
    max_attempts = _first(call.max_attempts, own.max_attempts, default_max_attempts)
    priority = _first(call.priority, own.priority, default_priority)
    queue = _first(call.queue, own.queue, default_queue)
    tags = _first(call.tags, own.tags, ())
    # Go reads metadata and pending from the call's opts only; the args' count here too.
    metadata = call.metadata or own.metadata  # an empty map counts as unset, as in Go
    scheduled_at = _first(call.scheduled_at, own.scheduled_at)
    unique = call.unique_opts
    if unique is None or unique_opts_empty(unique, unique_rules):
        unique = own.unique_opts
    if unique is not None and (unique_opts_empty(unique, unique_rules) or not enforce_unique):
        unique = None
    validate_max_attempts(max_attempts)
    validate_priority(priority)
    validate_queue_name(queue)
    validate_tags(tags)
    if unique is not None:
        validate_unique_opts(unique, unique_rules)
    sequence = sequence_opts_of(args) if has_sequence_opts(cls) else None
    batch = batch_opts_of(args) if has_batch_opts(cls) else None
    encoded_metadata = encode_metadata(metadata) if metadata is not None else "{}"
    if scheduled_at is not None and scheduled_at.tzinfo is None:
        scheduled_at = scheduled_at.replace(tzinfo=dt.UTC)
    # Unique keys hash River Go's exact bytes; stored args only need the same JSON value.
    encoded = encode_args(args) if unique is not None else encode_args_stored(args)
    if batch is not None:
        encoded_metadata = encode_metadata(
            batch_metadata(json.loads(encoded_metadata), kind, encoded, batch)
        )
    if sequence is not None:
        # Pending until its turn: the inserting transaction promotes it if it is now.
        encoded_metadata = encode_metadata(
            sequence_metadata(json.loads(encoded_metadata), kind, queue, encoded, sequence)
        )
        state = JobState.PENDING
    elif call.pending or own.pending:
        state = JobState.PENDING
    elif scheduled_at is not None and scheduled_at > now:
        state = JobState.SCHEDULED
    else:
        state = JobState.AVAILABLE
    key = states = None
    if unique is not None:
        key = unique_key(
            kind, encoded, unique, queue, now, scheduled_at=scheduled_at, rules=unique_rules
        )
        states = unique_states_bitmask(unique.by_state or DEFAULT_UNIQUE_STATES)
    return JobInsertFastParams(
        encoded_args=encoded,
        kind=kind,
        max_attempts=max_attempts,
        metadata=encoded_metadata,
        priority=priority,
        queue=queue,
        scheduled_at=scheduled_at,
        state=state,
        tags=tuple(tags),
        unique_key=key,
        unique_states=states,
    )


def iter_build(
    items: Iterable[Any],
    *,
    default_max_attempts: int = 25,
    default_queue: str = "default",
    default_priority: int = 1,
    now: dt.datetime,
    enforce_unique: bool = True,
    unique_rules: UniqueRules = UniqueRules.RIVER_0_43,
    on_new_class: Callable[[type, str], None] | None = None,
) -> Iterator[JobInsertFastParams]:
    """``build_insert_params`` for each item (an ``InsertManyParams`` or bare args), in
    order, each built when it is read; ``on_new_class(cls, kind)`` runs after the first job
    of each args class is built, before the next job (so its error surfaces where a per-job
    check's would)."""
    seen: set[type] = set()
    # The args class taking the bulk path last, with its validated defaults.
    plain: type | None = None
    kind, max_attempts, priority, queue = "", 0, 0, ""
    encode: Callable[[Any], str] = encode_args_stored
    for item in items:
        if isinstance(item, InsertManyParams):
            args, opts = item.args, item.opts
        else:
            args, opts = item, None
        cls = args.__class__
        if opts is None and cls is plain:
            yield JobInsertFastParams(
                encoded_args=encode(args), kind=kind, max_attempts=max_attempts,
                priority=priority, queue=queue,
            )
            continue
        job = build_insert_params(
            args, opts, default_max_attempts=default_max_attempts,
            default_queue=default_queue, default_priority=default_priority, now=now,
            enforce_unique=enforce_unique, unique_rules=unique_rules,
        )
        if opts is None and not _has_insert_opts(cls):
            plain, encode = cls, stored_encoder(cls)
            kind, max_attempts, priority, queue = _defaults(
                cls, default_max_attempts, default_priority, default_queue
            )
        if cls not in seen:
            seen.add(cls)
            if on_new_class is not None:
                on_new_class(cls, job.kind)
        yield job

