"""Concurrency limits: two clients (two processes, in a real deployment) work a queue that
calls an external API allowing one request at a time per customer. The workers count the
requests running at once; then the queue's metadata overrides the limits at runtime, as
River UI does, with two at once in all and no partitions.

Output:
peak per customer: cus_a=1, cus_b=1
after the override, at most 2 at once: True
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from dataclasses import dataclass

from river_psycopg3 import PsycopgDriver

import river

QUEUE = "concurrency_guide"
lock = threading.Lock()
running: Counter[str] = Counter()
peak: Counter[str] = Counter()


@dataclass
class ApiCallArgs:
    kind = "guide_api_call"
    customer_id: str
    n: int

    def insert_opts(self) -> river.InsertOpts:
        return river.InsertOpts(queue=QUEUE)


class ApiCallWorker(river.Worker[ApiCallArgs]):
    def work(self, job: river.Job[ApiCallArgs]) -> None:
        keys = ("all", job.args.customer_id)
        with lock:
            for key in keys:
                running[key] += 1
                peak[key] = max(peak[key], running[key])
        time.sleep(0.02)  # the API call
        with lock:
            for key in keys:
                running[key] -= 1


def work_all(client: river.Client, ids: list[int]) -> None:
    done = {river.JobState.COMPLETED}
    while not all(client.job_get(i).state in done for i in ids):
        time.sleep(0.05)


def main() -> None:
    driver = PsycopgDriver.open(os.environ["DATABASE_URL"], max_size=6)
    workers = river.Workers()
    workers.add(ApiCallWorker())
    queue = river.QueueConfig(
        max_workers=4,
        concurrency=river.ConcurrencyConfig(
            global_limit=1,  # across every client working the queue...
            partition=river.PartitionConfig(by_args=["customer_id"]),  # ...per customer
        ),
    )
    clients = [
        river.Client(
            driver,
            river.Config(
                id=f"api-worker-{i}", queues={QUEUE: queue}, workers=workers,
                fetch_poll_interval=0.1,
            ),
        )
        for i in (1, 2)
    ]
    for client in clients:
        client.start()
    client = clients[0]
    jobs = [ApiCallArgs(customer, n) for n in range(5) for customer in ("cus_a", "cus_b")]
    work_all(client, [r.job.id for r in client.insert_many(jobs)])
    print(f"peak per customer: cus_a={peak['cus_a']}, cus_b={peak['cus_b']}")

    # What River UI writes when a queue's limits are changed (0: no limit). Writing {}
    # again restores the configured limits.
    override = {"global_limit": 2, "local_limit": 0, "partition": {"by_args": None, "by_kind": None}}
    client.queue_update(QUEUE, metadata={"concurrency": override})
    time.sleep(0.5)  # the other client learns of it by notification
    peak.clear()
    work_all(client, [r.job.id for r in client.insert_many(jobs)])
    print("after the override, at most 2 at once:", peak["all"] <= 2)
    for client in clients:
        client.stop()
    driver.close()


if __name__ == "__main__":
    main()
