"""A worker made of a plain function with ``river.work_func``.

Output:
Message: hello from a function!
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from river_psycopg3 import PsycopgDriver

import river


@dataclass
class WorkFuncArgs:
    kind = "work_func"
    message: str


def print_message(job: river.Job[WorkFuncArgs]) -> None:
    print(f"Message: {job.args.message}", flush=True)


def main() -> None:
    url = os.environ["DATABASE_URL"]
    driver = PsycopgDriver.open(url)
    workers = river.Workers()
    workers.add(river.work_func(WorkFuncArgs, print_message))
    client = river.Client(driver, river.Config(
        queues={"default": river.QueueConfig(max_workers=100)}, workers=workers,
    ))
    completed = client.subscribe(river.EventKind.JOB_COMPLETED)
    client.start()
    client.insert(WorkFuncArgs(message="hello from a function!"))
    completed.get(timeout=10)
    client.stop()
    driver.close()


if __name__ == "__main__":
    main()
