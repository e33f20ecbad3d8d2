"""Sequences: webhook events handled one at a time per customer, in the order they came,
while different customers' events run side by side. Customer c's first event fails for
good (one attempt allowed): the events after it wait until it is dealt with, here by
deleting it.

Output:
cus_a: created, updated, paid
cus_b: created, refunded
cus_c: created=discarded, updated=pending, paid=pending
cus_c after deleting the failed event: updated, paid
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from river_psycopg3 import PsycopgDriver

import river

QUEUE = "sequence_guide"
handled: dict[str, list[str]] = {}


@dataclass
class WebhookArgs:
    kind = "guide_webhook"
    customer_id: str
    event: str

    def sequence_opts(self) -> river.SequenceOpts:
        # One sequence per customer: the key is the kind and the customer_id field.
        return river.SequenceOpts(by_args=["customer_id"])


class WebhookWorker(river.Worker[WebhookArgs]):
    def work(self, job: river.Job[WebhookArgs]) -> None:
        if job.args.customer_id == "cus_c" and job.args.event == "created":
            raise RuntimeError("the customer's account is locked")
        handled.setdefault(job.args.customer_id, []).append(job.args.event)


def wait_for(client: river.Client, ids: list[int], states: set[river.JobState]) -> None:
    while not all(client.job_get(i).state in states for i in ids):
        time.sleep(0.05)


def main() -> None:
    driver = PsycopgDriver.open(os.environ["DATABASE_URL"], max_size=4)
    workers = river.Workers()
    workers.add(WebhookWorker())
    config = river.Config(
        queues={QUEUE: river.QueueConfig(max_workers=4)}, workers=workers,
        fetch_poll_interval=0.1,
    )
    client = river.Client(driver, config)
    opts = river.InsertOpts(queue=QUEUE, max_attempts=1)
    events = [
        ("cus_a", "created"), ("cus_b", "created"), ("cus_c", "created"),
        ("cus_a", "updated"), ("cus_b", "refunded"), ("cus_c", "updated"),
        ("cus_a", "paid"), ("cus_c", "paid"),
    ]
    ids = {
        (customer, event): client.insert(WebhookArgs(customer, event), opts).job.id
        for customer, event in events
    }

    client.start()
    done = {river.JobState.COMPLETED, river.JobState.DISCARDED}
    wait_for(client, [i for (c, _), i in ids.items() if c != "cus_c"], done)
    wait_for(client, [ids[("cus_c", "created")]], done)
    for customer in ("cus_a", "cus_b"):
        print(f"{customer}: {', '.join(handled[customer])}")
    c_events = [(e, client.job_get(i).state.value) for (c, e), i in ids.items() if c == "cus_c"]
    print("cus_c:", ", ".join(f"{e}={state}" for e, state in c_events))

    client.job_delete(ids[("cus_c", "created")])  # the next event of cus_c runs now
    wait_for(client, [ids[("cus_c", "updated")], ids[("cus_c", "paid")]], done)
    print("cus_c after deleting the failed event:", ", ".join(handled["cus_c"]))
    client.stop()
    driver.close()


if __name__ == "__main__":
    main()
