"""A worker process run by ``river worker``: the module names a client factory, the command
runs it until SIGINT/SIGTERM (once: running jobs finish; twice: they are cancelled; three
times: exit at once).

    export DATABASE_URL=postgresql://localhost/app
    river migrate-up
    river worker examples.worker_app:make_client              # from the repository root
    river worker examples.worker_app:make_client --processes 4

Run as a script, it starts ``river worker`` on itself, inserts a job, waits for it to be
worked, and stops the worker with SIGTERM.

Output:
Hello, River!
Job state: completed
river worker exited with code 0
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import river


@dataclass
class GreetArgs:
    kind = "greet"
    name: str


class GreetWorker(river.Worker[GreetArgs]):
    def work(self, job: river.Job[GreetArgs]) -> None:
        print(f"Hello, {job.args.name}!", flush=True)


def make_client() -> river.Client[Any]:
    """The client ``river worker`` runs."""
    workers = river.Workers()
    workers.add(GreetWorker())
    return river.Client.from_url(
        os.environ["DATABASE_URL"],
        driver="psycopg3",
        config=river.Config(
            queues={"default": river.QueueConfig(max_workers=10)},
            workers=workers,
        ),
    )


def main() -> None:

    worker = subprocess.Popen(
        [sys.executable, "-m", "river", "worker", "worker_app:make_client"],
        cwd=Path(__file__).parent,
    )
    client = make_client()  # here only to insert and look jobs up
    try:
        job = client.insert(GreetArgs(name="River")).job
        deadline = time.monotonic() + 60
        while (state := client.job_get(job.id).state) is not river.JobState.COMPLETED:
            if time.monotonic() > deadline or worker.poll() is not None:
                break
            time.sleep(0.05)
        print(f"Job state: {state.value}", flush=True)
    finally:
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(60)
        client.close()
    print(f"river worker exited with code {code}")


if __name__ == "__main__":
    main()
