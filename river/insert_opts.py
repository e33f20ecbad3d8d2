"""Insert options and their validation, as River checks them before writing anything, and
``InsertManyParams``: one job of an ``insert_many`` call, its args with their options."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from river.driver.jsontext import find_unstorable
from river.errors import (
    InvalidJSONValueError,
    InvalidKindError,
    InvalidMaxAttemptsError,
    InvalidMetadataError,
    InvalidPriorityError,
    InvalidQueueError,
    InvalidTagsError,
    InvalidUniqueOptsError,
)
from river.types import JobState

# re.ASCII: Go's \w is ASCII-only.
_KIND_RE = re.compile(r"\A[\w][\w\-\[\]<>\/.·:+]+\Z", re.ASCII)
# River's ``^(?:[a-z0-9])+(?:[_|\-]?[a-z0-9]+)*$`` rewritten without the optional
# separator: the same names, but no catastrophic backtracking in Python's engine.
_QUEUE_RE = re.compile(r"\A[a-z0-9]+(?:[_|\-][a-z0-9]+)*\Z")
_TAG_RE = re.compile(r"\A[\w][\w\-]+[\w]\Z", re.ASCII)
_REQUIRED_UNIQUE_STATES = frozenset(
    {JobState.AVAILABLE, JobState.PENDING, JobState.RUNNING, JobState.SCHEDULED}
)


@dataclass(frozen=True, slots=True, kw_only=True)
class UniqueOpts:
    """Makes a job unique (River's ``UniqueOpts``); ``by_args`` may list the fields to use."""

    by_args: bool | Sequence[str] = False
    by_period: dt.timedelta | None = None
    by_queue: bool = False
    by_state: Sequence[JobState] | None = None
    exclude_kind: bool = False

    def is_empty(self) -> bool:
        """As River: exclude_kind alone does not make a job unique; an empty (not None)
        by_state does, with the default states."""
        return not (self.by_args or self.by_period or self.by_queue) and self.by_state is None

    def validate(self) -> None:
        if self.by_period and self.by_period < dt.timedelta(seconds=1):
            raise InvalidUniqueOptsError(
                f"unique by_period must be at least 1 second, got {self.by_period}"
            )
        if not isinstance(self.by_args, bool) and (
            isinstance(self.by_args, str) or not all(isinstance(f, str) and f for f in self.by_args)
        ):
            raise InvalidUniqueOptsError(
                f"unique by_args must be True or a list of field names, got {self.by_args!r}"
            )
        if self.by_state:
            try:
                states = [JobState(s) for s in self.by_state]
            except ValueError as exc:
                raise InvalidUniqueOptsError(f"unique by_state has an invalid state: {exc}") from exc
            if len(set(states)) != len(states):
                raise InvalidUniqueOptsError(
                    f"unique by_state has duplicates: {[s.value for s in states]}"
                )
            missing = _REQUIRED_UNIQUE_STATES.difference(states)
            if missing:
                raise InvalidUniqueOptsError(
                    "unique by_state must include available, pending, running and scheduled; "
                    f"missing {sorted(s.value for s in missing)}"
                )


@dataclass(frozen=True, slots=True, kw_only=True)
class InsertOpts:
    """Options for one insert; None means "not set" (the args' or the client's default)."""

    max_attempts: int | None = None
    metadata: Mapping[str, Any] | None = None
    pending: bool = False
    priority: int | None = None
    queue: str | None = None
    scheduled_at: dt.datetime | None = None
    tags: Sequence[str] | None = None
    unique_opts: UniqueOpts | None = None


@dataclass(frozen=True, slots=True)
class InsertManyParams:
    """Args and optional insert options for one job of ``insert_many``."""

    args: Any
    opts: InsertOpts | None = None


def validate_kind(kind: Any) -> None:
    """River's format for the kinds of registered workers (``Config.validate`` checks it
    unless ``skip_job_kind_validation``); inserts only need ``check_storable_kind``."""
    if not isinstance(kind, str) or len(kind) > 127 or not _KIND_RE.match(kind):
        raise InvalidKindError(
            f"invalid job kind {kind!r}: 2 to 127 characters, starting with a letter, digit "
            "or underscore, then letters, digits and - [ ] < > / . · : +"
        )


def check_storable_kind(kind: Any) -> None:
    """What the database requires of an inserted kind: a non-empty string of at most 127
    characters without NUL. As in River, kinds in other formats (from older versions or
    other River clients) can be inserted and listed."""
    if not isinstance(kind, str) or not kind or len(kind) > 127 or "\x00" in kind:
        raise InvalidKindError(
            f"invalid job kind {kind!r}: a non-empty string of at most 127 characters "
            "without NUL"
        )


def validate_queue_name(queue: Any) -> None:
    if not isinstance(queue, str) or not queue or len(queue) > 64 or not _QUEUE_RE.match(queue):
        raise InvalidQueueError(
            f"invalid queue name {queue!r}: at most 64 lowercase letters and digits, "
            "separated by single '-' or '_'"
        )


def validate_priority(priority: Any) -> None:
    if isinstance(priority, bool) or not isinstance(priority, int) or not 1 <= priority <= 4:
        raise InvalidPriorityError(f"priority must be between 1 and 4, got {priority!r}")


def validate_max_attempts(max_attempts: Any) -> None:
    if (
        isinstance(max_attempts, bool)
        or not isinstance(max_attempts, int)
        or not 1 <= max_attempts <= 32767
    ):
        raise InvalidMaxAttemptsError(
            f"max_attempts must be between 1 and 32767, got {max_attempts!r}"
        )


def validate_tags(tags: Any) -> None:
    if isinstance(tags, (str, bytes)) or not isinstance(tags, Iterable):
        raise InvalidTagsError(f"tags must be a list of strings, got {tags!r}")
    for tag in tags:
        if not isinstance(tag, str) or len(tag) > 255 or not _TAG_RE.match(tag):
            raise InvalidTagsError(
                f"invalid tag {tag!r}: 3 to 255 letters, digits, '_' or '-', "
                "starting and ending with a letter, digit or '_'"
            )


_METADATA_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def validate_metadata(metadata: Any) -> None:
    encode_metadata(metadata)


def encode_metadata(metadata: Any) -> str:
    """Validate metadata and return it as compact JSON text."""
    if not isinstance(metadata, Mapping):
        raise InvalidMetadataError(f"metadata must be a JSON object (dict), got {metadata!r}")
    value = dict(metadata)
    try:
        return _METADATA_ENCODER.encode(value)
    except (TypeError, ValueError, RecursionError) as exc:
        found = find_unstorable(value)  # name the value and where it is
        if found is not None:
            raise InvalidJSONValueError("metadata", found[1], found[2], found[0]) from exc
        raise InvalidMetadataError(f"metadata is not JSON-encodable: {exc}") from exc
