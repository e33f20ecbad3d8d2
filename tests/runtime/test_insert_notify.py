# WARNING: this file is generated from 'test_insert_notify_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""The insert notification travels with the insert statement: ``insert_many`` without
insert middleware is one statement (insert and NOTIFY), in a transaction of its own."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river.errors import ArgsEncodeError
from tests._client_helpers import make_config, user_tx

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.needs_listen_in_pool("listens for the insert notification itself"),
]
# Longer than any test: a second notification within it is only sent when the first
# was not.
LONG = 600.0


@dataclass
class NoteArgs:
    kind = "note"
    text: str = ""


class NoteWorker(river.Worker[NoteArgs]):
    def work(self, job: river.Job[NoteArgs]) -> None:
        pass


def _client(driver: Any, schema: str) -> Any:
    workers = river.Workers()
    workers.add(NoteWorker())
    config = make_config(schema, workers, fetch_cooldown=LONG, fetch_poll_interval=LONG)
    return river.Client(driver, config)


class _Calls:
    """Counts the executor's separate NOTIFYs and transactions."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, executor: Any) -> None:
        self.notify_many = 0
        self.transaction = 0
        cls = type(executor)
        notify_many, transaction = (cls.notify_many, cls.transaction)

        def counted_notify_many(ex: Any, params: Any) -> Any:
            self.notify_many += 1
            return notify_many(ex, params)

        def counted_transaction(ex: Any) -> Any:
            self.transaction += 1
            return transaction(ex)

        monkeypatch.setattr(cls, "notify_many", counted_notify_many)
        monkeypatch.setattr(cls, "transaction", counted_transaction)


def _listening(driver: Any, schema: str) -> Any:
    listener = driver.get_listener()
    listener.connect()
    listener.listen(f"{schema}.river_insert")
    return listener


def test_insert_many_notifies_within_its_one_statement(
    driver: Any, schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = _client(driver, schema)
    calls = _Calls(monkeypatch, client._executor)
    listener = _listening(driver, schema)
    try:
        results = client.insert_many([NoteArgs(text="a"), NoteArgs(text="b")])
        note = listener.wait_for_notification(5.0)
    finally:
        listener.close()
    assert note is not None
    assert json.loads(note.payload) == {"queue": "default"}
    assert (calls.notify_many, calls.transaction) == (0, 0)
    assert [r.job.args["text"] for r in results] == ["a", "b"]  # rows in insert order
    assert len(client.job_list(river.JobListParams(limit=10))) == 2


def test_insert_in_a_rolled_back_transaction_notifies_nobody(driver: Any, schema: str) -> None:
    client = _client(driver, schema)
    listener = _listening(driver, schema)
    try:
        with user_tx(driver, rollback=True) as tx:
            client.insert_many_tx(tx, [NoteArgs(text="gone")])
        note = listener.wait_for_notification(0.5)
    finally:
        listener.close()
    assert note is None
    assert client.job_list(river.JobListParams(limit=10)) == []


def test_a_failed_insert_does_not_hold_back_the_next_notification(driver: Any, schema: str) -> None:
    # The notification is decided before the statement runs; when the insert fails, the
    # next insert (well within the cooldown) must still notify.
    client = _client(driver, schema)
    listener = _listening(driver, schema)
    try:
        with pytest.raises(ArgsEncodeError):
            client.insert_many([NoteArgs(text="nul \x00 char")])
        client.insert_many([NoteArgs(text="fine")])
        note = listener.wait_for_notification(5.0)
    finally:
        listener.close()
    assert note is not None
    assert json.loads(note.payload) == {"queue": "default"}
