"""A periodic job on a crontab schedule (parsed by cronsim).

Output:
This job will run once immediately then every hour on the half hour
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from river_psycopg3 import PsycopgDriver

import river


@dataclass
class CronJobArgs:
    kind = "cron"


class CronJobWorker(river.Worker[CronJobArgs]):
    def work(self, job: river.Job[CronJobArgs]) -> None:
        print("This job will run once immediately then every hour on the half hour", flush=True)


def main() -> None:
    url = os.environ["DATABASE_URL"]
    driver = PsycopgDriver.open(url)
    workers = river.Workers()
    workers.add(CronJobWorker())
    client = river.Client(driver, river.Config(
        queues={"default": river.QueueConfig(max_workers=100)},
        workers=workers,
        periodic_jobs=[
            river.PeriodicJob(river.cron("30 * * * *"), CronJobArgs, run_on_start=True)
        ],
    ))
    completed = client.subscribe(river.EventKind.JOB_COMPLETED)
    client.start()
    completed.get(timeout=20)
    client.stop()
    driver.close()


if __name__ == "__main__":
    main()
