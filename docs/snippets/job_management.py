"""List, retry and delete jobs by id.

Output:
available jobs of kind 'invoice': 3
state after cancel: cancelled
state after retry: available
deleted job still there: False
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from river_psycopg3 import PsycopgDriver

import river


@dataclass
class InvoiceArgs:
    kind = "invoice"
    number: int


def main() -> None:
    url = os.environ["DATABASE_URL"]
    driver = PsycopgDriver.open(url, max_size=2)
    client = river.Client(driver, river.Config())
    results = client.insert_many([InvoiceArgs(number=n) for n in range(3)])
    ids = [r.job.id for r in results]

    jobs = client.job_list(
        river.JobListParams(kinds=["invoice"], states=[river.JobState.AVAILABLE])
    )
    print(f"available jobs of kind 'invoice': {len(jobs)}")

    print(f"state after cancel: {client.job_cancel(ids[0]).state.value}")
    print(f"state after retry: {client.job_retry(ids[0]).state.value}")

    client.job_delete(ids[1])
    try:
        client.job_get(ids[1])
        print("deleted job still there: True")
    except river.JobNotFoundError:
        print("deleted job still there: False")
    driver.close()


if __name__ == "__main__":
    main()
