"""Binary COPY of jobs with psycopg2's ``copy_expert``: the statement; the data is
``river.driver.copy_binary``'s payload."""

from __future__ import annotations

from river.driver.query import schema_prefix
from river.driver.sql import COPY_COLUMNS


def copy_statement(schema: str | None) -> str:
    table = f"{schema_prefix(schema)}river_job"
    return f"COPY {table} ({', '.join(COPY_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
