"""Hooks and middleware declared by an args type run for that kind's jobs only.

Output:
audit: insert report
audit: work report
report tags: ['tenant-acme']
note tags: ['tenant-acme']
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from river_asyncpg import AsyncpgDriver

import river
from river.driver.params import JobInsertFastParams, JobInsertResult


class AuditHook(river.AsyncHook):
    async def insert_begin(self, params: JobInsertFastParams) -> None:
        print(f"audit: insert {params.kind}", flush=True)

    async def work_begin(self, job: river.JobRow) -> None:
        print(f"audit: work {job.kind}", flush=True)


class TenantTags(river.AsyncInsertMiddleware):
    """Insert middleware: wraps each batch holding a ``report`` job (the whole batch)."""

    async def insert_many(
        self,
        params: Sequence[JobInsertFastParams],
        call_next: Callable[[Sequence[JobInsertFastParams]], Awaitable[list[JobInsertResult]]],
    ) -> list[JobInsertResult]:
        for p in params:
            p.tags = [*p.tags, "tenant-acme"]
        return await call_next(params)


@dataclass
class ReportArgs:
    kind = "report"
    account_id: int

    @classmethod
    def hooks(cls) -> list[river.AsyncHook]:
        return [AuditHook()]

    @classmethod
    def plugins(cls) -> list[object]:
        return [TenantTags()]


@dataclass
class NoteArgs:
    kind = "note"


class ReportWorker(river.AsyncWorker[ReportArgs]):
    async def work(self, job: river.Job[ReportArgs]) -> None:
        pass


class NoteWorker(river.AsyncWorker[NoteArgs]):
    async def work(self, job: river.Job[NoteArgs]) -> None:
        pass


async def main() -> None:
    url = os.environ["DATABASE_URL"]
    driver = await AsyncpgDriver.open(url)
    workers = river.Workers()
    workers.add(ReportWorker())
    workers.add(NoteWorker())
    client = river.AsyncClient(driver, river.Config(
        queues={"default": river.QueueConfig(max_workers=1)}, workers=workers,
    ))
    completed = client.subscribe(river.EventKind.JOB_COMPLETED)
    report, note = await client.insert_many([ReportArgs(account_id=1), NoteArgs()])
    await client.start()
    await completed.get(timeout=10)
    await completed.get(timeout=10)
    await client.stop()
    print(f"report tags: {report.job.tags}")
    print(f"note tags: {note.job.tags}")
    await driver.close()


if __name__ == "__main__":
    import asyncio

    asyncio.run(main())
