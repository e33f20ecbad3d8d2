"""Assert that application code enqueued a job, inside the test's transaction.

Output:
job inserted for: a@example.com
queue: email
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import psycopg
from river_psycopg3 import PsycopgDriver

import river
from river.testing import RequireInsertedOpts, require_inserted_tx


@dataclass
class WelcomeEmailArgs:
    kind = "welcome_email"
    to: str


def sign_up(client: river.Client, conn: psycopg.Connection, email: str) -> None:
    """Application code: creates the account and enqueues its email in one transaction."""
    client.insert_tx(conn, WelcomeEmailArgs(to=email), river.InsertOpts(queue="email"))


def main() -> None:
    url = os.environ["DATABASE_URL"]
    driver = PsycopgDriver.open(url, max_size=2)
    client = river.Client(driver, river.Config())

    with driver.pool.connection() as conn:
        with conn.transaction(force_rollback=True):  # the test leaves nothing behind
            sign_up(client, conn, "a@example.com")
            job = require_inserted_tx(
                driver, conn, WelcomeEmailArgs, RequireInsertedOpts(queue="email"),
            )
            print(f"job inserted for: {job.args.to}")
            print(f"queue: {job.queue}")
    driver.close()


if __name__ == "__main__":
    main()
