"""Snooze a job from inside ``work``: it runs again later without using up an attempt.

Output:
snoozing job for 5 minutes
Job state: scheduled; attempt: 0; snoozes: 1
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from river_psycopg3 import PsycopgDriver

import river


@dataclass
class SnoozingArgs:
    kind = "snoozing"
    should_snooze: bool = False


class SnoozingWorker(river.Worker[SnoozingArgs]):
    def work(self, job: river.Job[SnoozingArgs]) -> None:
        if job.args.should_snooze:
            print("snoozing job for 5 minutes", flush=True)
            raise river.JobSnooze(dt.timedelta(minutes=5))


def main() -> None:
    url = os.environ["DATABASE_URL"]
    driver = PsycopgDriver.open(url)
    workers = river.Workers()
    workers.add(SnoozingWorker())
    client = river.Client(driver, river.Config(
        queues={"default": river.QueueConfig(max_workers=10)}, workers=workers,
    ))
    snoozed = client.subscribe(river.EventKind.JOB_SNOOZED)
    client.start()
    client.insert(SnoozingArgs(should_snooze=True))
    event = snoozed.get(timeout=10)
    assert event is not None and event.job is not None
    job = event.job
    print(f"Job state: {job.state.value}; attempt: {job.attempt}; "
          f"snoozes: {job.metadata['snoozes']}")
    client.stop()
    driver.close()


if __name__ == "__main__":
    main()
