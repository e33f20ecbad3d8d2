"""Insert a job scheduled a second ahead; the leader's scheduler makes it available when due.

Output:
Inserted as: scheduled
Worked at or after its scheduled time: True
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from river_psycopg3 import PsycopgDriver

import river


@dataclass
class ReminderArgs:
    kind = "reminder"
    message: str


class ReminderWorker(river.Worker[ReminderArgs]):
    def work(self, job: river.Job[ReminderArgs]) -> None:
        pass  # send the reminder


def main() -> None:
    url = os.environ["DATABASE_URL"]
    driver = PsycopgDriver.open(url)
    workers = river.Workers()
    workers.add(ReminderWorker())
    client = river.Client(driver, river.Config(
        queues={"default": river.QueueConfig(max_workers=10)}, workers=workers,
    ))
    completed = client.subscribe(river.EventKind.JOB_COMPLETED)
    client.start()

    in_a_second = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    result = client.insert(
        ReminderArgs(message="stand up"), river.InsertOpts(scheduled_at=in_a_second)
    )
    print(f"Inserted as: {result.job.state.value}")

    event = completed.get(timeout=30)
    assert event is not None and event.job is not None
    print(f"Worked at or after its scheduled time: {event.job.attempted_at >= in_a_second}")
    client.stop()
    driver.close()


if __name__ == "__main__":
    main()
