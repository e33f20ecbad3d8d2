"""Page through a listing with its cursor, order by the state's time, filter with a raw
condition, and update a job's output.

Output:
page 1: [1, 2]
page 2: [3, 4]
page 3: [5]
cancelled, by time: [4, 2]
customer acme: [1, 3, 5]
output: {'rows': 12}
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
    client.insert_many([
        river.InsertManyParams(
            InvoiceArgs(number=n),
            river.InsertOpts(metadata={"customer": "acme" if n % 2 else "globex"}),
        )
        for n in range(1, 6)
    ])

    params = river.JobListParams(kinds=["invoice"], limit=2)
    page_number = 1
    while True:
        page = client.job_list(params)
        print(f"page {page_number}: {[job.args['number'] for job in page]}")
        if len(page) < params.limit or page.last_cursor is None:
            break
        # The cursor is also opaque text (str(page.last_cursor)) to hand to a web page.
        params = params.with_after(page.last_cursor)
        page_number += 1

    ids = {job.args["number"]: job.id for job in client.job_list()}
    client.job_cancel(ids[4])
    client.job_cancel(ids[2])
    cancelled = client.job_list(
        river.JobListParams(states=[river.JobState.CANCELLED], order_by=river.JobListOrderBy.TIME)
    )
    print(f"cancelled, by time: {[job.args['number'] for job in cancelled]}")

    acme = river.JobListWhere("metadata->>'customer' = @customer", {"customer": "acme"})
    print(f"customer acme: {[job.args['number'] for job in client.job_list(river.JobListParams(where=acme))]}")

    print(f"output: {client.job_update(ids[1], output={'rows': 12}).output}")
    driver.close()


if __name__ == "__main__":
    main()
