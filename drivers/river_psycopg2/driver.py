"""River's driver for psycopg2 (sync only)."""

from __future__ import annotations

import io
import select
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

import psycopg2
import psycopg2.extensions
import psycopg2.pool

from river.driver import sql
from river.driver.driver import Driver, Listener
from river.driver.executor import Executor
from river.driver.params import Notification
from river.driver.query import CompiledQuery, ParamStyle, quote_ident

Connection = Any  # psycopg2.extensions.connection (psycopg2 ships no type hints)


def _prefix(schema: str | None) -> str:
    return quote_ident(schema) + "." if schema else ""


class Psycopg2Executor(Executor):
    """Runs on the pool (one autocommit connection per call) or on one connection."""

    paramstyle: ClassVar[ParamStyle] = ParamStyle.PYFORMAT

    def __init__(
        self,
        schema: str | None,
        *,
        pool: psycopg2.pool.ThreadedConnectionPool | None = None,
        conn: Connection | None = None,
        depth: int = 0,
    ) -> None:
        super().__init__(schema)
        self._pool = pool
        self._conn = conn
        self._depth = depth

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        if self._conn is not None:
            yield self._conn
            return
        assert self._pool is not None
        conn = self._pool.getconn()
        try:
            yield conn
        finally:
            self._pool.putconn(conn)

    def _execute(self, query: CompiledQuery, args: Mapping[str, Any]) -> None:
        with self._connection() as conn, conn.cursor() as cur:
            cur.execute(query.sql, args)

    def _fetch_all(self, query: CompiledQuery, args: Mapping[str, Any]) -> list[Sequence[Any]]:
        with self._connection() as conn, conn.cursor() as cur:
            cur.execute(query.sql, args)
            return list(cur.fetchall())

    def exec_script(self, script: str) -> None:
        with self._connection() as conn, conn.cursor() as cur:
            cur.execute(script.replace(sql.S, _prefix(self.schema)))

    @contextmanager
    def transaction(self) -> Iterator[Psycopg2Executor]:
        if self._conn is None:
            assert self._pool is not None
            conn = self._pool.getconn()
            try:
                with self._tx_on(conn, 0) as tx:
                    yield tx
            finally:
                self._pool.putconn(conn)
            return
        with self._tx_on(self._conn, self._depth + 1) as tx:
            yield tx

    @contextmanager
    def _tx_on(self, conn: Connection, depth: int) -> Iterator[Psycopg2Executor]:
        # Depth 0 on an autocommit pool connection is a real transaction; deeper levels,
        # and any level on a caller's connection (already in a transaction), are savepoints.
        explicit = depth == 0 and conn.autocommit
        savepoint = f"river_sp_{depth}"
        with conn.cursor() as cur:
            cur.execute("BEGIN" if explicit else f"SAVEPOINT {savepoint}")
        tx = Psycopg2Executor(self.schema, conn=conn, depth=depth)
        try:
            yield tx
        except BaseException:
            with conn.cursor() as cur:
                cur.execute("ROLLBACK" if explicit else f"ROLLBACK TO SAVEPOINT {savepoint}")
            raise
        with conn.cursor() as cur:
            cur.execute("COMMIT" if explicit else f"RELEASE SAVEPOINT {savepoint}")

    def _copy_jobs(self, rows: list[tuple[Any, ...]]) -> int:
        buf = io.StringIO()
        for r in rows:
            buf.write("\t".join(_copy_text(i, v) for i, v in enumerate(r)))
            buf.write("\n")
        buf.seek(0)
        table = f"{_prefix(self.schema)}river_job"
        stmt = f"COPY {table} ({', '.join(sql.COPY_COLUMNS)}) FROM STDIN"
        with self._connection() as conn, conn.cursor() as cur:
            cur.copy_expert(stmt, buf)
        return len(rows)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_text(index: int, value: Any) -> str:
    if value is None:
        return "\\N"
    if index == 11:  # unique_states, bit(8)
        return format(value, "08b") if value else "\\N"
    if isinstance(value, bytes):
        return "\\\\x" + value.hex()
    if isinstance(value, list):
        items = ('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in value)
        return _escape("{" + ",".join(items) + "}")
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return _escape(str(value))


class Psycopg2Listener(Listener):
    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._conn: Connection | None = None
        self._pending: list[Notification] = []

    def connect(self) -> None:
        self._conn = psycopg2.connect(self._dsn)
        self._conn.autocommit = True

    def listen(self, channel: str) -> None:
        assert self._conn is not None
        with self._conn.cursor() as cur:
            cur.execute(f"LISTEN {quote_ident(channel)}")

    def unlisten(self, channel: str) -> None:
        assert self._conn is not None
        with self._conn.cursor() as cur:
            cur.execute(f"UNLISTEN {quote_ident(channel)}")

    def wait_for_notification(self, timeout: float) -> Notification | None:
        conn = self._conn
        assert conn is not None
        if not self._pending:
            conn.poll()
            if not conn.notifies:
                if select.select([conn], [], [], timeout) == ([], [], []):
                    return None
                conn.poll()
            self._pending = [
                Notification(topic=n.channel, payload=n.payload) for n in conn.notifies
            ]
            conn.notifies.clear()
        return self._pending.pop(0) if self._pending else None

    def ping(self) -> None:
        assert self._conn is not None
        with self._conn.cursor() as cur:
            cur.execute("SELECT 1")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None


class Psycopg2Driver(Driver[Any]):
    """River's driver on a psycopg2 ``ThreadedConnectionPool``; transactions are
    psycopg2 connections (not in autocommit mode)."""

    name: ClassVar[str] = "psycopg2"

    def __init__(self, pool: psycopg2.pool.ThreadedConnectionPool, *, dsn: str) -> None:
        self.pool = pool
        self._dsn = dsn
        self._owns_pool = False

    @classmethod
    def open(cls, url: str, *, min_size: int = 1, max_size: int = 10) -> Psycopg2Driver:
        pool = _AutocommitPool(min_size, max_size, url)
        driver = cls(pool, dsn=url)
        driver._owns_pool = True
        return driver

    def get_executor(self, schema: str | None = None) -> Psycopg2Executor:
        return Psycopg2Executor(schema, pool=self.pool)

    def unwrap_executor(self, tx: Connection, schema: str | None = None) -> Psycopg2Executor:
        return Psycopg2Executor(schema, conn=tx, depth=1)

    def get_listener(self) -> Psycopg2Listener:
        return Psycopg2Listener(self._dsn)

    def close(self) -> None:
        if self._owns_pool:
            self.pool.closeall()


class _AutocommitPool(psycopg2.pool.ThreadedConnectionPool):  # type: ignore[misc]
    """Hands out connections in autocommit mode, as the executor expects."""

    def _connect(self, key: Any = None) -> Connection:
        conn = super()._connect(key)
        conn.autocommit = True
        return conn
