"""One worker host of the partition test: ``python -m tests.programs.partition_worker``.

Run inside a network namespace by ``tests.programs.partition``. Database, schema, driver
and host name come from ``PART_URL``, ``PART_SCHEMA``, ``PART_DRIVER`` and ``PART_HOST``.
It prints JSON lines on stdout (kept in a log file), so that what it believed can be
checked even for the time it could not reach the database:

- ``{"ev": "status", "t", "leader", "listening", "last_note"}`` every ``STATUS_EVERY``
  seconds: whether the client thinks it leads, whether its listener is connected and
  when (wall clock) it last received a notification;
- ``{"ev": "start"|"finish", "t", "job", "attempt"}`` around every job's work (``finish``
  also gives the number in its args).

Every attempt also records ``(job, attempt, client)`` in ``part_attempt`` before working.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import sys
import time
from dataclasses import dataclass
from typing import Any

import river

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS {schema}.part_attempt (
    job_id bigint NOT NULL,
    attempt int NOT NULL,
    client_id text NOT NULL,
    started_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
"""
STATUS_EVERY = 0.5
# A job stuck running this long is rescued (River's rule: past both this and the job
# timeout); every job here runs well inside both.
RESCUE_AFTER = dt.timedelta(seconds=12)
JOB_TIMEOUT = dt.timedelta(seconds=8)
# A hold job's first attempt, and its later ones (long enough to be running when the
# host that ran the first attempt comes back).
HOLD_FIRST_S = 3.0
HOLD_RETRY_S = 5.0


@dataclass
class ShortArgs:
    kind = "part_short"
    n: int = 0


@dataclass
class HoldArgs:
    kind = "part_hold"
    n: int = 0


def emit(**fields: Any) -> None:
    print(json.dumps({"t": time.time(), **fields}), flush=True)


async def _record(job: river.Job[Any]) -> None:
    emit(ev="start", job=job.id, attempt=job.attempt)
    client = river.client_from_context()
    executor = client.driver.get_executor(client.config.schema)
    await executor.execute(
        "INSERT INTO /* TEMPLATE: schema */part_attempt (job_id, attempt, client_id)"
        " VALUES (@job_id, @attempt, @client_id)",
        {"job_id": job.id, "attempt": job.attempt, "client_id": client.id},
    )


class ShortWorker(river.AsyncWorker[ShortArgs]):
    async def work(self, job: river.Job[ShortArgs]) -> None:
        await _record(job)
        await asyncio.sleep(0.1)
        emit(ev="finish", job=job.id, attempt=job.attempt, n=job.args.n)


class HoldWorker(river.AsyncWorker[HoldArgs]):
    async def work(self, job: river.Job[HoldArgs]) -> None:
        await _record(job)
        await asyncio.sleep(HOLD_FIRST_S if job.attempt == 1 else HOLD_RETRY_S)
        emit(ev="finish", job=job.id, attempt=job.attempt, n=job.args.n)


def config(schema: str, client_id: str) -> river.Config:
    workers = river.Workers()
    workers.add(ShortWorker())
    workers.add(HoldWorker())
    return river.Config(
        schema=schema,
        id=client_id,
        queues={"default": river.QueueConfig(max_workers=4)},
        workers=workers,
        job_timeout=JOB_TIMEOUT,
        rescue_stuck_jobs_after=RESCUE_AFTER,
        fetch_cooldown=0.05,
        fetch_poll_interval=0.5,
    )


async def main() -> None:
    host = os.environ["PART_HOST"]
    client = await river.AsyncClient.from_url(
        os.environ["PART_URL"],
        driver=os.environ.get("PART_DRIVER", "asyncpg"),
        config=config(os.environ["PART_SCHEMA"], f"part-{host}-{os.getpid()}"),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    await client.start()
    notifier = client._notifier
    last_note = [0.0]
    if notifier is not None:
        deliver = notifier._deliver

        def noted(topic: str, payload: str) -> None:
            last_note[0] = time.time()
            deliver(topic, payload)

        notifier._deliver = noted  # type: ignore[method-assign]
    emit(ev="started", client=client.id)
    while not stop.is_set():
        emit(
            ev="status",
            leader=client.is_leader,
            listening=bool(notifier is not None and notifier.connected.is_set()),
            last_note=last_note[0],
        )
        try:
            await asyncio.wait_for(stop.wait(), STATUS_EVERY)
        except TimeoutError:
            pass
    await asyncio.wait_for(client.stop(), 60)
    await client.driver.close()
    emit(ev="stopped")


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
