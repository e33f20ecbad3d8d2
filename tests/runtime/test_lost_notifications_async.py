"""A client that listens for notifications still polls its queue's settings and its
running jobs' cancel requests now and then, so one that was lost (sent while its listener
was reconnecting) still takes effect (River v0.51.0 / v0.51.1)."""

from __future__ import annotations

import json
from typing import Any

import pytest

import river
import river._internal.producer.producer_async as producer_module
from river._acompat import AEvent, asleep
from river.driver.query import SCHEMA_MARK as S
from tests._client_helpers_async import make_config, started, wait_for, wait_for_state

pytestmark = pytest.mark.anyio


class HoldArgs:
    kind = "lost_notification_hold"

    def to_json(self) -> str:
        return "{}"


class HoldWorker(river.AsyncWorker[HoldArgs]):
    args_type = HoldArgs

    def __init__(self) -> None:
        self.cancelled: list[bool] = []
        self.release = AEvent()

    async def work(self, job: river.Job[HoldArgs]) -> None:
        # Polls the cancel signal: a sync job's thread cannot be interrupted.
        try:
            while not river.job_cancelled() and not self.release.is_set():
                await asleep(0.01)
        finally:
            self.cancelled.append(river.job_cancelled())


async def test_listening_client_polls_for_lost_cancels_and_settings(
    adriver: Any, schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(producer_module, "LISTENING_POLL_INTERVAL", 0.0)
    worker = HoldWorker()
    workers = river.Workers()
    workers.add(worker)
    client = river.AsyncClient(adriver, make_config(schema, workers, queue_poll_interval=0.05))
    ex = adriver.get_executor(schema)
    try:
        async with started(client):
            job = (await client.insert(HoldArgs())).job
            await wait_for_state(client, job.id, river.JobState.RUNNING)
            assert client._listening()
            # What JobCancel and a queue update write, without their notifications.
            await ex.execute(
                f"UPDATE {S}river_job SET metadata = metadata || @m::jsonb WHERE id = @id::bigint",
                {"m": json.dumps({"cancel_attempted_at": "2026-01-01T00:00:00Z"}), "id": job.id},
            )
            await ex.execute(
                f"UPDATE {S}river_queue SET metadata = @m::jsonb WHERE name = 'default'",
                {"m": json.dumps({"lost": True})},
            )

            async def caught_up() -> bool:
                producer = client._producers["default"]
                return bool(worker.cancelled) and producer.metadata == {"lost": True}

            await wait_for(caught_up)
            assert worker.cancelled == [True]
    finally:
        worker.release.set()
