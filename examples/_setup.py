"""Shared set-up for the examples: a database URL and a freshly migrated schema."""

from __future__ import annotations

import os

from river_psycopg3 import PsycopgDriver

from river.migrate import Migrator


def database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    from river.cli.localpg import local_database_url

    return local_database_url()


def fresh_schema(url: str, name: str) -> str:
    """Drop and re-create ``name`` with River's tables (examples start from nothing)."""
    driver = PsycopgDriver.open(url, max_size=2)
    try:
        driver.get_executor().exec_script(
            f'DROP SCHEMA IF EXISTS "{name}" CASCADE; CREATE SCHEMA "{name}"'
        )
        Migrator(driver, schema=name).migrate_up()
    finally:
        driver.close()
    return name
