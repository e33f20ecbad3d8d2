"""Cancel a job for good from inside ``work`` by raising ``river.JobCancel``.

Output:
cancelling job
Job state: cancelled; error: this wrapped error message will be persisted to DB
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from river_psycopg2 import Psycopg2Driver

import river


@dataclass
class CancellingArgs:
    kind = "cancelling"
    should_cancel: bool = False


class CancellingWorker(river.Worker[CancellingArgs]):
    def work(self, job: river.Job[CancellingArgs]) -> None:
        if job.args.should_cancel:
            print("cancelling job", flush=True)
            raise river.JobCancel(
                ValueError("this wrapped error message will be persisted to DB")
            )


def main() -> None:
    url = os.environ["DATABASE_URL"]
    driver = Psycopg2Driver.open(url)
    workers = river.Workers()
    workers.add(CancellingWorker())
    client = river.Client(driver, river.Config(
        queues={"default": river.QueueConfig(max_workers=10)}, workers=workers,
    ))
    cancelled = client.subscribe(river.EventKind.JOB_CANCELLED)
    client.start()
    client.insert(CancellingArgs(should_cancel=True))
    event = cancelled.get(timeout=10)
    assert event is not None and event.job is not None
    print(f"Job state: {event.job.state.value}; error: {event.job.errors[-1].error.split(': ', 1)[1]}")
    client.stop()
    driver.close()


if __name__ == "__main__":
    main()
