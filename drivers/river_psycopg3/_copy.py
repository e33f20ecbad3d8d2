"""Binary COPY of jobs with psycopg (both colours).

River hands over JSON already encoded as text and the unique-state mask as an integer;
two dumpers write those as binary jsonb and bit(8) without re-encoding.
"""

from __future__ import annotations

from typing import Any

from psycopg import adapt, pq
from psycopg.abc import AdaptContext

from river.driver.query import schema_prefix
from river.driver.sql import COPY_COLUMNS

# Postgres types of ``COPY_COLUMNS``, in order.
COPY_TYPES = (
    "jsonb",  # args
    "timestamptz",  # created_at
    "text",  # kind
    "int2",  # max_attempts
    "jsonb",  # metadata
    "int2",  # priority
    "text",  # queue
    "timestamptz",  # scheduled_at
    "text",  # state (an enum: its binary input is its text)
    "varchar[]",  # tags
    "bytea",  # unique_key
    "bit",  # unique_states, bit(8)
)


class _JsonTextDumper(adapt.Dumper):
    """JSON text as binary jsonb: format version 1, then the text."""

    format = pq.Format.BINARY
    oid = 3802  # jsonb

    def __init__(self, cls: type, context: AdaptContext | None = None) -> None:
        super().__init__(cls, context)
        self._encoding = self.connection.info.encoding if self.connection else "utf-8"

    def dump(self, obj: Any) -> bytes:
        return b"\x01" + str(obj).encode(self._encoding)


class _Bit8Dumper(adapt.Dumper):
    """An integer 0-255 as binary bit(8): the bit count, then one byte (first bit high)."""

    format = pq.Format.BINARY
    oid = 1560  # bit

    def dump(self, obj: Any) -> bytes:
        return b"\x00\x00\x00\x08" + int(obj).to_bytes(1, "big")


def register_copy_dumpers(adapters: adapt.AdaptersMap) -> None:
    """Make ``set_types(COPY_TYPES)`` pick the dumpers above (by type, not Python class)."""
    adapters.register_dumper(None, _JsonTextDumper)
    adapters.register_dumper(None, _Bit8Dumper)


def copy_statement(schema: str | None) -> bytes:
    table = f"{schema_prefix(schema)}river_job"
    return f"COPY {table} ({', '.join(COPY_COLUMNS)}) FROM STDIN (FORMAT BINARY)".encode()


def copy_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """The row to write: an empty unique key or mask is stored as NULL, as inserts do."""
    if row[10] and row[11]:
        return row
    return (*row[:10], row[10] or None, row[11] or None)
