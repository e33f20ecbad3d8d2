"""River's notification topics and their messages, parsed once into typed values.

A channel is ``<schema>.<topic>``. The payloads are River's JSON, unchanged on the wire:
``river_insert`` carries ``{"queue": ...}``; ``river_control`` carries ``{"action": "cancel",
"job_id": ..., "queue": ...}`` or ``{"action": "pause"|"resume"|"metadata_changed",
"queue": ...}`` (queue ``"*"`` for all); ``river_leadership`` carries ``{"action":
"resigned"|"request_resign", "leader_id": ...}``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from river.errors import InvalidJSONValueError
from river.stored_json import decode as decode_stored

TOPIC_INSERT: Final = "river_insert"
TOPIC_CONTROL: Final = "river_control"
TOPIC_LEADERSHIP: Final = "river_leadership"
TOPICS: Final = (TOPIC_INSERT, TOPIC_CONTROL, TOPIC_LEADERSHIP)

ALL_QUEUES: Final = "*"

#: Postgres's NOTIFY refuses a payload of this many bytes or more ("payload string too
#: long"): a message that would be larger is refused before anything is written.
NOTIFY_PAYLOAD_LIMIT: Final = 8000


def channel(schema: str, topic: str) -> str:
    """The Postgres channel of ``topic`` in ``schema``."""
    return f"{schema}.{topic}"


def parse_payload(payload: str | bytes | dict[str, Any]) -> dict[str, Any]:
    """A payload's JSON object; an empty dict for anything else (foreign senders)."""
    if isinstance(payload, dict):
        return payload
    # Decoded as stored JSON is: a payload nested too deeply is not decoded (not a dict).
    text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload
    data = decode_stored(text)
    return data if isinstance(data, dict) else {}


@dataclass(frozen=True)
class InsertNotice:
    """Jobs became available in ``queue``."""

    queue: str

    def to_payload(self) -> str:
        return json.dumps({"queue": self.queue})


def parse_insert(payload: str | dict[str, Any]) -> InsertNotice | None:
    queue = parse_payload(payload).get("queue")
    return InsertNotice(queue) if isinstance(queue, str) else None


@dataclass(frozen=True)
class _QueueControl:
    queue: str

    def applies_to(self, queue: str) -> bool:
        return self.queue in (queue, ALL_QUEUES)


@dataclass(frozen=True)
class ControlCancel(_QueueControl):
    """Cancel the running job ``job_id`` (sent by the database when a job is cancelled)."""

    job_id: int

    def to_payload(self) -> str:
        return json.dumps({"action": "cancel", "job_id": self.job_id, "queue": self.queue})


@dataclass(frozen=True)
class ControlPause(_QueueControl):
    """Stop fetching from ``queue``."""

    def to_payload(self) -> str:
        return json.dumps({"action": "pause", "queue": self.queue})


@dataclass(frozen=True)
class ControlResume(_QueueControl):
    """Fetch from ``queue`` again."""

    def to_payload(self) -> str:
        return json.dumps({"action": "resume", "queue": self.queue})


@dataclass(frozen=True)
class ControlMetadataChanged(_QueueControl):
    """The metadata of ``queue`` changed to ``metadata`` (None: not carried by the message)."""

    metadata: dict[str, Any] | None = None

    def to_payload(self) -> str:
        data: dict[str, Any] = {"action": "metadata_changed", "queue": self.queue}
        if self.metadata is not None:
            data["metadata"] = self.metadata
        return json.dumps(data)


def check_payload_size(message: ControlMetadataChanged, field: str) -> None:
    """Raise ``InvalidJSONValueError`` naming ``field`` when ``message`` is too large for
    NOTIFY, before anything is written (the server's error would abort the transaction)."""
    size = len(message.to_payload().encode())
    if size >= NOTIFY_PAYLOAD_LIMIT:
        raise InvalidJSONValueError(
            field,
            message.metadata,
            f"makes a {size}-byte metadata_changed notification; Postgres's NOTIFY takes "
            f"payloads under {NOTIFY_PAYLOAD_LIMIT} bytes",
        )


ControlMessage = ControlCancel | ControlPause | ControlResume | ControlMetadataChanged

_QUEUE_ACTIONS: dict[str, type[ControlPause | ControlResume | ControlMetadataChanged]] = {
    "pause": ControlPause,
    "resume": ControlResume,
    "metadata_changed": ControlMetadataChanged,
}


def parse_control(payload: str | dict[str, Any]) -> ControlMessage | None:
    """The control message in ``payload``; None when it is not one River sends."""
    data = parse_payload(payload)
    action = data.get("action")
    queue = data.get("queue")
    if not isinstance(queue, str) or not isinstance(action, str):
        return None
    if action == "cancel":
        job_id = data.get("job_id")
        if isinstance(job_id, int) and not isinstance(job_id, bool):
            return ControlCancel(queue=queue, job_id=job_id)
        return None
    if action == "metadata_changed":
        metadata = data.get("metadata")
        return ControlMetadataChanged(
            queue=queue, metadata=metadata if isinstance(metadata, dict) else None
        )
    kind = _QUEUE_ACTIONS.get(action)
    return kind(queue=queue) if kind is not None else None


@dataclass(frozen=True)
class LeadershipNotice:
    """A leader ``resigned``, or one is asked to (``request_resign``; River sends no id)."""

    action: str
    leader_id: str = ""


def parse_leadership(payload: str | dict[str, Any]) -> LeadershipNotice:
    data = parse_payload(payload)
    action = data.get("action")
    leader_id = data.get("leader_id")
    return LeadershipNotice(
        action=action if isinstance(action, str) else "",
        leader_id=leader_id if isinstance(leader_id, str) else "",
    )


Handler = Callable[[str], None]  # the payload of one message on a topic


class NotifierBase:
    """The topics components subscribed to and their handlers (both colours of notifier).

    ``subscribe(topic, handler)`` before the notifier runs; ``on_reconnect`` handlers are
    called each time its connection comes back (messages sent meanwhile were missed)."""

    def __init__(self, schema: str, logger: logging.Logger) -> None:
        self._schema = schema
        self._logger = logger
        self._handlers: dict[str, list[Handler]] = {}
        self._reconnect_handlers: list[Callable[[], None]] = []

    def subscribe(self, topic: str, handler: Handler) -> None:
        """Call ``handler(payload)`` for every message on ``topic`` (e.g. ``river_insert``)."""
        self._handlers.setdefault(topic, []).append(handler)

    def listen(self, topic: str) -> None:
        """Listen to ``topic`` from the start even with no handler yet (handlers subscribed
        while the notifier runs are called only for topics it listens to)."""
        self._handlers.setdefault(topic, [])

    def unsubscribe(self, topic: str, handler: Handler) -> None:
        """Stop calling ``handler`` for ``topic`` (the topic stays listened to)."""
        handlers = self._handlers.get(topic, [])
        if handler in handlers:
            handlers.remove(handler)

    def remove_reconnect_handler(self, handler: Callable[[], None]) -> None:
        if handler in self._reconnect_handlers:
            self._reconnect_handlers.remove(handler)

    def on_reconnect(self, handler: Callable[[], None]) -> None:
        self._reconnect_handlers.append(handler)

    def channels(self) -> dict[str, str]:
        """The channel of each subscribed topic, keyed by channel."""
        return {channel(self._schema, topic): topic for topic in self._handlers}

    def _deliver(self, topic: str, payload: str) -> None:
        for handler in list(self._handlers[topic]):  # copied: handlers may come and go
            try:
                handler(payload)
            except Exception:
                self._logger.exception("river: handling a %s notification failed", topic)

    def _reconnected(self) -> None:
        for handler in list(self._reconnect_handlers):
            try:
                handler()
            except Exception:
                self._logger.exception("river: handling a notifier reconnect failed")
