"""River's ``metadata_changed`` control message, as sent and read on ``river_control``."""

from __future__ import annotations

import json

from river._internal.notifier.notification import ControlMetadataChanged, parse_control


def test_metadata_changed_payload_is_rivers() -> None:
    message = ControlMetadataChanged(queue="reports", metadata={"owner": "a", "n": 1})
    assert json.loads(message.to_payload()) == {
        "action": "metadata_changed", "queue": "reports", "metadata": {"owner": "a", "n": 1},
    }
    assert parse_control(message.to_payload()) == message


def test_metadata_changed_from_river_go_is_read() -> None:
    # River Go's controlEventPayload: metadata is raw JSON, job_id omitted when zero.
    payload = '{"action":"metadata_changed","metadata":{"region":"eu"},"queue":"default"}'
    message = parse_control(payload)
    assert message == ControlMetadataChanged(queue="default", metadata={"region": "eu"})
    assert message.applies_to("default") and not message.applies_to("other")


def test_metadata_changed_without_an_object_carries_no_metadata() -> None:
    for payload in ('{"action":"metadata_changed","queue":"q"}',
                    '{"action":"metadata_changed","queue":"q","metadata":[1]}'):
        assert parse_control(payload) == ControlMetadataChanged(queue="q", metadata=None)
    assert ControlMetadataChanged(queue="*").applies_to("anything")
