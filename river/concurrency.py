"""Concurrency limits of a queue (River Pro's ``ConcurrencyConfig``).

A queue configured with ``river.QueueConfig(concurrency=river.ConcurrencyConfig(...))``
runs at most ``global_limit`` jobs at once across every client working it, and at most
``local_limit`` in each client. With ``partition``, each distinct kind and/or value of the
named args fields is limited on its own. The fetch itself keeps to the limits: a job
whose partition is full is skipped, and the jobs behind it are fetched in the usual
priority order.

The queue's metadata can override the configured limits at runtime under the
``concurrency`` key, as River UI writes it::

    {"concurrency": {"global_limit": 5, "local_limit": 0,
                     "partition": {"by_args": ["customer_id"], "by_kind": false}}}

A limit of 0 there means no limit; ``{}`` (no ``concurrency`` key) restores the
configured limits.

This module is colour-free: the options, their checks, and reading the override.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from river.errors import ConfigError

#: The queue metadata key River UI writes a queue's concurrency override under.
METADATA_CONCURRENCY = "concurrency"
# A partitioned fetch looks this many times further than it may take, so that a
# partition that is full or nearly so at the head of the queue does not hide the others.
PARTITION_SCAN_FACTOR = 10
PARTITION_SCAN_MIN = 100


class ConcurrencyConfigError(ConfigError):
    """A concurrency limit or partition option that cannot be used; ``field`` names it
    (``global_limit``, ``local_limit``, ``partition.by_args``, ...)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"concurrency {field}: {problem}")
        self.field = field


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class PartitionConfig:
    """How a queue's jobs are split into partitions, each limited on its own (River
    Pro's ``PartitionConfig``). ``by_args``: the args fields whose values make a
    partition (a job without a field is in the partition where it is null);
    ``by_kind``: one partition per kind."""

    by_args: Sequence[str] = ()
    by_kind: bool = False

    def __post_init__(self) -> None:
        by_args = self.by_args
        if isinstance(by_args, str | bytes) or not isinstance(by_args, Sequence):
            raise ConcurrencyConfigError(
                "partition.by_args", f"expected a list of field names, got {by_args!r}"
            )
        for name in by_args:
            if not isinstance(name, str) or not name:
                raise ConcurrencyConfigError(
                    "partition.by_args", f"field names must be non-empty strings, got {name!r}"
                )
        if len(set(by_args)) != len(by_args):
            raise ConcurrencyConfigError("partition.by_args", f"names a field twice: {list(by_args)!r}")
        if not isinstance(self.by_kind, bool):
            raise ConcurrencyConfigError("partition.by_kind", f"expected a bool, got {self.by_kind!r}")
        object.__setattr__(self, "by_args", tuple(by_args))

    @property
    def partitioned(self) -> bool:
        return bool(self.by_args) or self.by_kind


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ConcurrencyConfig:
    """A queue's concurrency limits (River Pro's ``ConcurrencyConfig``).

    ``global_limit``: jobs of the queue (of each partition) running at once across all
    clients; ``local_limit``: the same in one client. None is no limit; at least one of
    the two must be set. ``partition``: limit each partition on its own."""

    global_limit: int | None = None
    local_limit: int | None = None
    partition: PartitionConfig = dataclasses.field(default_factory=PartitionConfig)

    def __post_init__(self) -> None:
        for name in ("global_limit", "local_limit"):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConcurrencyConfigError(name, f"expected a positive int or None, got {value!r}")
        if self.global_limit is None and self.local_limit is None:
            raise ConcurrencyConfigError(
                "global_limit", "set global_limit or local_limit (or leave concurrency out)"
            )
        if not isinstance(self.partition, PartitionConfig):
            raise ConcurrencyConfigError(
                "partition", f"expected river.PartitionConfig, got {self.partition!r}"
            )


def concurrency_from_metadata(value: Any) -> ConcurrencyConfig | None:
    """The override a queue's metadata ``concurrency`` value holds, as River UI writes it
    (limits of 0 are no limit); None when it sets no limit at all. Raises
    ``ConcurrencyConfigError`` for a value of the wrong shape."""
    if not isinstance(value, Mapping):
        raise ConcurrencyConfigError("metadata", f"expected an object, got {value!r}")
    limits: dict[str, int | None] = {}
    for name in ("global_limit", "local_limit"):
        limit = value.get(name)
        if limit is None or limit == 0:
            limits[name] = None
        elif isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise ConcurrencyConfigError(name, f"expected a non-negative integer, got {limit!r}")
        else:
            limits[name] = limit
    partition = value.get("partition") or {}
    if not isinstance(partition, Mapping):
        raise ConcurrencyConfigError("partition", f"expected an object, got {partition!r}")
    by_args = partition.get("by_args") or ()
    by_kind = partition.get("by_kind") or False
    parsed = PartitionConfig(by_args=by_args, by_kind=by_kind)
    if limits["global_limit"] is None and limits["local_limit"] is None:
        return None
    return ConcurrencyConfig(
        global_limit=limits["global_limit"], local_limit=limits["local_limit"], partition=parsed
    )


def scan_limit(config: ConcurrencyConfig, max_to_lock: int) -> int:
    """How many available jobs a limited fetch looks at to lock at most ``max_to_lock``."""
    if not config.partition.partitioned:
        return max_to_lock
    return max(max_to_lock * PARTITION_SCAN_FACTOR, PARTITION_SCAN_MIN)
