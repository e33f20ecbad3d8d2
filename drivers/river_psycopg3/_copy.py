"""Binary COPY of jobs with psycopg (both colours): the statement; the data is
``river.driver.copy_binary``'s payload, written whole."""

from __future__ import annotations

from river.driver.query import schema_prefix
from river.driver.sql_job import COPY_COLUMNS


def copy_statement(schema: str | None) -> bytes:
    table = f"{schema_prefix(schema)}river_job"
    return f"COPY {table} ({', '.join(COPY_COLUMNS)}) FROM STDIN (FORMAT BINARY)".encode()
