"""River's notification payloads: parsed once into typed messages, written back unchanged."""

from __future__ import annotations

import json

import pytest

from river._internal.notifier.notification import (
    ControlCancel,
    ControlMetadataChanged,
    ControlPause,
    ControlResume,
    InsertNotice,
    LeadershipNotice,
    channel,
    parse_control,
    parse_insert,
    parse_leadership,
)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ('{"action": "cancel", "job_id": 7, "queue": "q"}', ControlCancel(queue="q", job_id=7)),
        ('{"action": "pause", "queue": "*"}', ControlPause(queue="*")),
        ('{"action": "resume", "queue": "q"}', ControlResume(queue="q")),
        ('{"action": "metadata_changed", "queue": "q"}', ControlMetadataChanged(queue="q")),
        ('{"action": "cancel", "job_id": "7", "queue": "q"}', None),
        ('{"action": "cancel", "job_id": true, "queue": "q"}', None),
        ('{"action": "explode", "queue": "q"}', None),
        ('{"action": "pause"}', None),
        ("not json", None),
        ("[1, 2]", None),
    ],
)
def test_parse_control(payload: str, expected: object) -> None:
    assert parse_control(payload) == expected


@pytest.mark.parametrize(
    "message",
    [
        ControlCancel(queue="q", job_id=7),
        ControlPause(queue="q"),
        ControlResume(queue="*"),
        ControlMetadataChanged(queue="q"),
    ],
)
def test_control_round_trips_through_rivers_payload(message: object) -> None:
    payload = message.to_payload()  # type: ignore[attr-defined]
    assert parse_control(payload) == message
    assert set(json.loads(payload)) <= {"action", "job_id", "queue"}


def test_control_applies_to_its_queue_or_all() -> None:
    assert ControlPause("q").applies_to("q")
    assert ControlPause("*").applies_to("q")
    assert not ControlPause("other").applies_to("q")


def test_insert_and_leadership_notices() -> None:
    assert parse_insert('{"queue": "q"}') == InsertNotice("q")
    assert parse_insert('{"queue": 3}') is None
    assert json.loads(InsertNotice("q").to_payload()) == {"queue": "q"}
    assert parse_leadership('{"action": "resigned", "leader_id": "a"}') == LeadershipNotice(
        "resigned", "a"
    )
    assert parse_leadership({"action": "request_resign"}) == LeadershipNotice("request_resign")
    assert parse_leadership("garbage") == LeadershipNotice("")
    assert channel("s", "river_insert") == "s.river_insert"
