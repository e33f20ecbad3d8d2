"""Unique jobs: a second insert of the same args within the period is skipped.

Output:
Reconciled account 1; new total: 900
Reconciled account 2; new total: 1
Skipped as duplicate: True
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from dataclasses import dataclass

from river_asyncpg import AsyncpgDriver

import river

ACCOUNTS = {1: {"recent": 100, "total": 1_000}, 2: {"recent": 999, "total": 1_000}}


@dataclass
class ReconcileAccountArgs:
    kind = "reconcile_account"
    account_id: int

    def insert_opts(self) -> river.InsertOpts:
        return river.InsertOpts(
            unique_opts=river.UniqueOpts(by_args=True, by_period=dt.timedelta(hours=24))
        )


class ReconcileAccountWorker(river.AsyncWorker[ReconcileAccountArgs]):
    async def work(self, job: river.Job[ReconcileAccountArgs]) -> None:
        account = ACCOUNTS[job.args.account_id]
        account["total"] -= account["recent"]
        account["recent"] = 0
        print(f"Reconciled account {job.args.account_id}; new total: {account['total']}")


async def main() -> None:
    url = os.environ["DATABASE_URL"]
    driver = await AsyncpgDriver.open(url)
    workers = river.Workers()
    workers.add(ReconcileAccountWorker())
    client = river.AsyncClient(driver, river.Config(
        queues={"default": river.QueueConfig(max_workers=10)}, workers=workers,
    ))
    completed = client.subscribe(river.EventKind.JOB_COMPLETED)
    await client.insert(ReconcileAccountArgs(account_id=1))
    again = await client.insert(ReconcileAccountArgs(account_id=1))
    await client.insert(ReconcileAccountArgs(account_id=2))
    await client.start()
    for _ in range(2):
        await completed.get(timeout=10)
    await client.stop()
    print(f"Skipped as duplicate: {again.unique_skipped_as_duplicate}")
    await driver.close()


if __name__ == "__main__":
    asyncio.run(main())
