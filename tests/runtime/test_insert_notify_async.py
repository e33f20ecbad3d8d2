"""The insert notification travels with the insert statement: ``insert_many`` without
insert middleware is one statement (insert and NOTIFY), in a transaction of its own."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river.errors import ArgsEncodeError
from tests._client_helpers_async import make_config, user_tx

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


class NoteWorker(river.AsyncWorker[NoteArgs]):
    async def work(self, job: river.Job[NoteArgs]) -> None:
        pass


def _client(adriver: Any, schema: str) -> Any:
    workers = river.Workers()
    workers.add(NoteWorker())
    config = make_config(schema, workers, fetch_cooldown=LONG, fetch_poll_interval=LONG)
    return river.AsyncClient(adriver, config)


class _Calls:
    """Counts the executor's separate NOTIFYs and transactions."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, executor: Any) -> None:
        self.notify_many = 0
        self.transaction = 0
        cls = type(executor)
        notify_many, transaction = cls.notify_many, cls.transaction

        def counted_notify_many(ex: Any, params: Any) -> Any:
            self.notify_many += 1
            return notify_many(ex, params)

        def counted_transaction(ex: Any) -> Any:
            self.transaction += 1
            return transaction(ex)

        monkeypatch.setattr(cls, "notify_many", counted_notify_many)
        monkeypatch.setattr(cls, "transaction", counted_transaction)


async def _listening(adriver: Any, schema: str) -> Any:
    listener = adriver.get_listener()
    await listener.connect()
    await listener.listen(f"{schema}.river_insert")
    return listener


async def test_insert_many_notifies_within_its_one_statement(
    adriver: Any, schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = _client(adriver, schema)
    calls = _Calls(monkeypatch, client._executor)
    listener = await _listening(adriver, schema)
    try:
        results = await client.insert_many([NoteArgs(text="a"), NoteArgs(text="b")])
        note = await listener.wait_for_notification(5.0)
    finally:
        await listener.close()
    assert note is not None
    assert json.loads(note.payload) == {"queue": "default"}
    assert (calls.notify_many, calls.transaction) == (0, 0)
    assert [r.job.args["text"] for r in results] == ["a", "b"]  # rows in insert order
    assert len(await client.job_list(river.JobListParams(limit=10))) == 2


async def test_insert_in_a_rolled_back_transaction_notifies_nobody(
    adriver: Any, schema: str
) -> None:
    client = _client(adriver, schema)
    listener = await _listening(adriver, schema)
    try:
        async with user_tx(adriver, rollback=True) as tx:
            await client.insert_many_tx(tx, [NoteArgs(text="gone")])
        note = await listener.wait_for_notification(0.5)
    finally:
        await listener.close()
    assert note is None
    assert await client.job_list(river.JobListParams(limit=10)) == []


async def test_a_failed_insert_does_not_hold_back_the_next_notification(
    adriver: Any, schema: str
) -> None:
    # The notification is decided before the statement runs; when the insert fails, the
    # next insert (well within the cooldown) must still notify.
    client = _client(adriver, schema)
    listener = await _listening(adriver, schema)
    try:
        with pytest.raises(ArgsEncodeError):
            await client.insert_many([NoteArgs(text="nul \x00 char")])
        await client.insert_many([NoteArgs(text="fine")])
        note = await listener.wait_for_notification(5.0)
    finally:
        await listener.close()
    assert note is not None
    assert json.loads(note.payload) == {"queue": "default"}
