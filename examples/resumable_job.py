"""A resumable job: a retry skips the steps an earlier attempt completed.

The transform step fails on the first attempt; the retry skips download and starts again
at transform. Code outside steps would run on every attempt.

Output:
attempt 1: downloading https://example.com/data.csv
attempt 1: transform failed
attempt 2: transforming
attempt 2: loading
Job completed on attempt 2; saved step: download
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from river_psycopg3 import PsycopgDriver

import river


@dataclass
class DataPipelineArgs:
    kind = "data_pipeline"
    source_url: str = ""


class DataPipelineWorker(river.Worker[DataPipelineArgs]):
    def work(self, job: river.Job[DataPipelineArgs]) -> None:
        def download() -> None:
            print(f"attempt {job.attempt}: downloading {job.args.source_url}", flush=True)

        def transform() -> None:
            if job.attempt == 1:
                print(f"attempt {job.attempt}: transform failed", flush=True)
                raise RuntimeError("transform service unavailable")
            print(f"attempt {job.attempt}: transforming", flush=True)

        def load() -> None:
            print(f"attempt {job.attempt}: loading", flush=True)

        river.resumable_step("download", download)
        # Stopped between download and transform, or during transform, the next attempt
        # skips download and picks up here.
        river.resumable_step("transform", transform)
        river.resumable_step("load", load)

    def next_retry(self, job: river.Job[DataPipelineArgs]) -> dt.datetime:
        return dt.datetime.now(dt.UTC)  # retry at once, for the example


def main() -> None:
    url = os.environ["DATABASE_URL"]
    driver = PsycopgDriver.open(url)
    workers = river.Workers()
    workers.add(DataPipelineWorker())
    client = river.Client(driver, river.Config(
        queues={"default": river.QueueConfig(max_workers=10)}, workers=workers,
    ))
    completed = client.subscribe(river.EventKind.JOB_COMPLETED)
    client.start()
    client.insert(DataPipelineArgs(source_url="https://example.com/data.csv"))
    event = completed.get(timeout=30)
    assert event is not None and event.job is not None
    print(f"Job completed on attempt {event.job.attempt}; "
          f"saved step: {event.job.metadata['river:resumable_step']}")
    client.stop()
    driver.close()


if __name__ == "__main__":
    main()
