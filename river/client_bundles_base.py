"""What both colours of ``client.queues``, ``client.notify`` and ``client.stopped()`` share
that does no I/O, and the client's checks of queue changes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from river.config import Config
from river.driver.jsontext import encode_json
from river.errors import ClientError


class _Flag(Protocol):
    def is_set(self) -> bool: ...


class QueueBundleBase:
    def __init__(self, client: Any) -> None:
        self._client = client

    def names(self) -> list[str]:
        """The queues the client works (or will work once started), sorted."""
        return sorted(self._client._queue_configs)

    def __contains__(self, name: object) -> bool:
        return name in self._client._queue_configs


class NotifyBundleBase:
    def __init__(self, client: Any) -> None:
        self._client = client


class ClientStoppedBase:
    def __init__(self, event: _Flag) -> None:
        self._flag = event

    def is_set(self) -> bool:
        """Whether the client has stopped."""
        return self._flag.is_set()


def check_works_jobs(config: Config, verb: str) -> None:
    """River changes queues only on a client configured to work jobs."""
    if not config.queues:
        raise ClientError(
            f"client is not configured to work jobs (Config.queues is empty), "
            f"cannot {verb} a queue"
        )


def encode_queue_metadata(name: str, metadata: Mapping[str, Any] | None) -> str | None:
    """``metadata`` as JSON text for ``river_queue.metadata``; None leaves it as it is.
    A value ``jsonb`` cannot store raises ``InvalidJSONValueError`` (a ``TypeError``)."""
    if metadata is None:
        return None
    if not isinstance(metadata, Mapping):
        raise TypeError(
            f"queue {name!r}: metadata must be a mapping, got {type(metadata).__name__}"
        )
    return encode_json(queue_metadata_field(name), dict(metadata))


def queue_metadata_field(name: str) -> str:
    """How errors name the metadata of queue ``name``."""
    return f"metadata of queue {name!r}"
