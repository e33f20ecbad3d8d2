"""Jobs as the text format of ``COPY ... FROM STDIN`` for psycopg2's ``copy_expert``."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable
from typing import Any

from river.driver.query import schema_prefix
from river.driver.sql import COPY_COLUMNS

NULL = "\\N"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value: str) -> str:
    return value.translate(_COPY_ESCAPES)


def _int(value: int) -> str:
    return str(value)


def _timestamp(value: dt.datetime) -> str:
    return value.isoformat()


def _text_array(values: list[str]) -> str:
    # Array literal first (elements quoted), then escaped as any COPY field.
    items = ('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return _text("{" + ",".join(items) + "}")


def _bytea(value: bytes) -> str:
    # bytea hex input "\x...", its backslash doubled for COPY; empty means no key (NULL).
    return "\\\\x" + value.hex() if value else NULL


def _bit8(value: int) -> str:
    # Zero means no unique states (NULL), as in the INSERT path.
    return format(value, "08b") if value else NULL


# One encoder per column of ``COPY_COLUMNS``.
_ENCODERS: tuple[Callable[[Any], str], ...] = (
    _text,  # args (JSON text)
    _timestamp,  # created_at
    _text,  # kind
    _int,  # max_attempts
    _text,  # metadata (JSON text)
    _int,  # priority
    _text,  # queue
    _timestamp,  # scheduled_at
    _text,  # state
    _text_array,  # tags
    _bytea,  # unique_key
    _bit8,  # unique_states
)


def copy_statement(schema: str | None) -> str:
    return f"COPY {schema_prefix(schema)}river_job ({', '.join(COPY_COLUMNS)}) FROM STDIN"


def copy_buffer(rows: Iterable[tuple[Any, ...]]) -> io.StringIO:
    """The rows (in ``COPY_COLUMNS`` order) as COPY text: tab-separated, ``\\N`` for NULL."""
    lines = (
        "\t".join(NULL if v is None else enc(v) for enc, v in zip(_ENCODERS, row, strict=True))
        for row in rows
    )
    return io.StringIO("".join(line + "\n" for line in lines))
