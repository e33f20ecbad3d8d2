"""Binary COPY of jobs with psycopg2's ``copy_expert``: the statement, and the file it
reads ``river.driver.copy_binary``'s pieces from."""

from __future__ import annotations

from collections.abc import Iterator

from river.driver.query import schema_prefix
from river.driver.sql_job import COPY_COLUMNS


def copy_statement(schema: str | None) -> str:
    table = f"{schema_prefix(schema)}river_job"
    return f"COPY {table} ({', '.join(COPY_COLUMNS)}) FROM STDIN (FORMAT BINARY)"


class PiecesReader:
    """A file for ``copy_expert``: each ``read`` returns the next piece, built when asked
    for (psycopg2 sends whatever length a read returns, and stops at an empty one).
    psycopg2 reports a failed read as the server's error on the aborted COPY; ``error``
    keeps what the read raised, for the caller to raise instead."""

    def __init__(self, first: bytes, rest: Iterator[bytes]) -> None:
        self._first: bytes | None = first
        self._rest = rest
        self.error: BaseException | None = None

    def read(self, size: int = -1) -> bytes:
        if self._first is not None:
            piece, self._first = self._first, None
            return piece
        try:
            return next(self._rest, b"")
        except BaseException as exc:
            self.error = exc
            raise
