"""A stubbed clock and a worker called directly, with ``river.testing``.

Output:
snoozed until: 2030-01-01 12:05:00+00:00
output: {'total': 3}
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from river_psycopg3 import PsycopgDriver

import river
from river.testing import TestWorker, TimeStub, work_context


@dataclass
class SumArgs:
    kind = "sum"
    values: list[int]


class SumWorker(river.Worker[SumArgs]):
    def work(self, job: river.Job[SumArgs]) -> None:
        if not job.args.values:
            raise river.JobSnooze(dt.timedelta(minutes=5))  # nothing to add up yet
        river.record_output({"total": sum(job.args.values)})


def main() -> None:
    url = os.environ["DATABASE_URL"]
    driver = PsycopgDriver.open(url, max_size=2)
    clock = TimeStub(dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC))
    config = river.Config(test=river.TestConfig(time=clock))

    # The snooze counts from the stubbed time, not from the machine's clock.
    harness = TestWorker(driver, SumWorker(), config)
    with driver.pool.connection() as conn, conn.transaction(force_rollback=True):
        result = harness.work(conn, SumArgs(values=[]))
    print(f"snoozed until: {result.job.scheduled_at}")

    # Calling work directly: record_output and the other job functions work.
    client = river.Client(driver, config)
    with work_context(client) as ctx:
        SumWorker().work(river.Job(ctx.job, SumArgs(values=[1, 2])))
    print(f"output: {ctx.metadata_updates['output']}")
    driver.close()


if __name__ == "__main__":
    main()
