"""A river-queue client for the mixed-cluster tests with River Go:
``python -m tests.programs.interop_member URL SCHEMA SETTINGS_JSON``.

SETTINGS_JSON: ``id`` (client id), ``queues`` ({name: max_workers}), ``kinds`` (kinds it
has no-op workers for), optionally ``periodic`` ({kind, args (an object), queue,
interval_seconds}: inserted every interval while it leads, and when elected),
``rescue_after_seconds``, ``job_timeout_seconds`` and ``queue_report_interval_seconds``. Prints ``started`` once started and
listening, then runs until SIGTERM and stops cleanly.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import signal
import sys
from typing import Any

from river_asyncpg import AsyncpgDriver

import river
from tests.interop._args import raw_args, raw_args_type


def _worker(kind: str) -> river.AsyncWorker[Any]:
    class Noop(river.AsyncWorker[Any]):
        args_type = raw_args_type(kind)

        async def work(self, job: river.Job[Any]) -> None:
            pass

    return Noop()


def _periodic(spec: dict[str, Any]) -> river.PeriodicJob:
    opts = river.InsertOpts(queue=spec["queue"])
    args = json.dumps(spec["args"])
    return river.PeriodicJob(
        river.PeriodicInterval(dt.timedelta(seconds=spec["interval_seconds"])),
        lambda: (raw_args(spec["kind"], args), opts),
        run_on_start=True,
    )


def config(schema: str, settings: dict[str, Any]) -> river.Config:
    workers = river.Workers()
    for kind in settings["kinds"]:
        workers.add(_worker(kind))
    options: dict[str, Any] = {}
    if "rescue_after_seconds" in settings:
        options["rescue_stuck_jobs_after"] = settings["rescue_after_seconds"]
    if "job_timeout_seconds" in settings:
        options["job_timeout"] = settings["job_timeout_seconds"]
    if "queue_report_interval_seconds" in settings:
        options["queue_report_interval"] = settings["queue_report_interval_seconds"]
    periodic = settings.get("periodic")
    return river.Config(
        schema=schema,
        id=settings["id"],
        queues={name: river.QueueConfig(max_workers=n) for name, n in settings["queues"].items()},
        workers=workers,
        periodic_jobs=[_periodic(periodic)] if periodic else [],
        fetch_cooldown=0.01,
        fetch_poll_interval=0.1,
        **options,
    )


async def main(url: str, schema: str, settings: dict[str, Any]) -> None:
    driver = await AsyncpgDriver.open(url, max_size=10)
    client = river.AsyncClient(driver, config(schema, settings))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await client.start()
    # start() waits 5 s at most for LISTEN; resignations must be heard from "started" on.
    notifier = client._notifier
    if notifier is not None:
        await notifier.connected.wait_timeout(30)
    print("started", flush=True)
    await stop.wait()
    await client.stop()
    await driver.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], json.loads(sys.argv[3])))
