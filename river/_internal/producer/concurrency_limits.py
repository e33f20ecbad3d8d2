"""Which concurrency limits a producer's next fetch keeps to: the queue's configured
``ConcurrencyConfig``, unless the queue's metadata overrides it (see
``river.concurrency``).

Read on every fetch, so it answers from the last metadata it saw unless the producer has
been handed new metadata since (a notification or a settings poll replaces the dict).
"""

from __future__ import annotations

import logging
from typing import Any

from river.concurrency import (
    METADATA_CONCURRENCY,
    ConcurrencyConfig,
    ConcurrencyConfigError,
    concurrency_from_metadata,
)


class QueueConcurrency:
    def __init__(
        self, queue: str, config: ConcurrencyConfig | None, logger: logging.Logger
    ) -> None:
        self._queue = queue
        self._config = config
        self._logger = logger
        self._seen: object = None
        self._limits = config

    def limits(self, metadata: Any) -> ConcurrencyConfig | None:
        """The limits in force given the queue's current metadata; None: no limits."""
        if metadata is self._seen:
            return self._limits
        self._seen = metadata
        self._limits = self._resolve(metadata)
        return self._limits

    @property
    def resolved_from(self) -> object:
        """The metadata the last answer came from (None before the first): the producer
        asks at the start of each fetch, and a fetch under way when newer metadata arrives
        keeps the limits it began with (its statement may still lock jobs inserted since),
        so newer metadata is in force once a fetch has begun with it."""
        return self._seen

    def _resolve(self, metadata: Any) -> ConcurrencyConfig | None:
        if not isinstance(metadata, dict) or metadata.get(METADATA_CONCURRENCY) is None:
            return self._config
        try:
            return concurrency_from_metadata(metadata[METADATA_CONCURRENCY])
        except ConcurrencyConfigError as exc:
            # A bad override must not stop the queue: it keeps its configured limits.
            self._logger.error(
                "river: queue %r: ignoring the concurrency in its metadata: %s",
                self._queue, exc, extra={"queue": self._queue},
            )
            return self._config
