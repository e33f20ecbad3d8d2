"""Batching: emails sent with one request per provider instead of one per email. The
leader of each batch gathers the other emails of its provider; the provider's answer
says which addresses failed (retried ten minutes later) and which are gone for good (cancelled).

Output:
ses: 4 emails in one request
sendgrid: 2 emails in one request
ann@example.com: completed
bob@example.com: retryable (RuntimeError: mailbox full)
cat@example.com: cancelled
dan@example.com: completed
eve@example.com: completed
fay@example.com: completed
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass

from river_psycopg3 import PsycopgDriver

import river

QUEUE = "batch_guide"


@dataclass
class EmailArgs:
    kind = "guide_email"
    provider: str
    to: str

    def batch_opts(self) -> river.BatchOpts:
        # One batch key per provider: the kind and the provider field.
        return river.BatchOpts(by_args=["provider"])


def send_bulk(provider: str, addresses: list[str]) -> dict[str, str]:
    """A provider's bulk API: the status of each address."""
    print(f"{provider}: {len(addresses)} emails in one request")
    statuses = {"bob@example.com": "full", "cat@example.com": "unknown"}
    return {a: statuses.get(a, "sent") for a in addresses}


class EmailWorker(river.BatchWorker[EmailArgs]):
    # Up to 50 emails a request, waiting at most half a second for a batch to fill up.
    batch_worker_opts = river.BatchWorkerOpts(max_count=50, max_delay=0.5, poll_interval=0.1)

    def work_many(self, jobs: list[river.Job[EmailArgs]]) -> river.BatchResults:
        statuses = send_bulk(jobs[0].args.provider, [j.args.to for j in jobs])
        results: dict[int, BaseException | None] = {}
        for job in jobs:
            status = statuses[job.args.to]
            if status == "full":
                results[job.id] = RuntimeError("mailbox full")  # retried later
            elif status == "unknown":
                results[job.id] = river.JobCancel("no such address")  # never retried
        return results  # jobs left out completed

    def next_retry(self, job: river.Job[EmailArgs]) -> dt.datetime:
        # A failed email of a batch is retried as any job: here, ten minutes later.
        return dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)


def main() -> None:
    driver = PsycopgDriver.open(os.environ["DATABASE_URL"], max_size=4)
    workers = river.Workers()
    workers.add(EmailWorker())
    config = river.Config(
        # One slot: each fetched email leads a batch of all the emails of its provider.
        queues={QUEUE: river.QueueConfig(max_workers=1)}, workers=workers,
        fetch_poll_interval=0.1,
    )
    client = river.Client(driver, config)
    emails = [
        ("ses", "ann@example.com"), ("ses", "bob@example.com"), ("sendgrid", "cat@example.com"),
        ("ses", "dan@example.com"), ("sendgrid", "eve@example.com"), ("ses", "fay@example.com"),
    ]
    results = client.insert_many(
        [river.InsertManyParams(EmailArgs(p, to), river.InsertOpts(queue=QUEUE)) for p, to in emails]
    )
    ids = {to: r.job.id for r, (_, to) in zip(results, emails, strict=True)}

    client.start()
    finished = {river.JobState.COMPLETED, river.JobState.RETRYABLE, river.JobState.CANCELLED}
    while not all(client.job_get(i).state in finished for i in ids.values()):
        time.sleep(0.05)
    client.stop()
    for to, job_id in sorted(ids.items()):
        job = client.job_get(job_id)
        error = f" ({job.errors[-1].error})" if job.state is river.JobState.RETRYABLE else ""
        print(f"{to}: {job.state.value}{error}")
    driver.close()


if __name__ == "__main__":
    main()
