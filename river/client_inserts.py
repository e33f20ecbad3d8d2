# WARNING: this file is generated from 'client_inserts_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Inserting jobs: the insert pipeline every client method that inserts goes through
(insert middleware and hooks, sequences, the ``river_insert`` notifications), and the
executors it runs on.

The sync ``river.client_inserts`` is generated from this file.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, TypeVar

from river._acompat import sleep, spawn
from river._internal.flow.sequence import lock as _sequence_lock
from river._internal.flow.sequence import promote as _sequence_promote
from river._internal.notifier.notification import TOPIC_INSERT, InsertNotice, channel
from river._internal.runtime.runtime import Runtime
from river.client_base import ClientBase
from river.driver.driver import Driver
from river.driver.executor import Executor
from river.driver.params import JobInsertFastParams, JobInsertResult, NotifyManyParams
from river.driver.tx_adapters import OrmTx, resolve_tx
from river.insert_opts import InsertManyParams, InsertOpts
from river.middleware import Hook, InsertMiddleware
from river.sequence import has_sequence, sequence_keys_of, with_states

TxT = TypeVar("TxT")


class ClientInserts(ClientBase[TxT]):
    """The methods of ``river.AsyncClient`` that insert jobs."""

    driver: Driver[TxT]
    _executor: Executor
    insert_middleware: tuple[InsertMiddleware, ...]
    hooks: tuple[Hook, ...]
    _runtime: Runtime

    def _tx_executor(self, tx: Any) -> Executor:
        """An executor on the caller's transaction ``tx``: the driver's own connection or
        an ORM's (``river.driver.tx_adapters``)."""
        return self.driver.unwrap_executor(resolve_tx(self.driver, tx), self.config.schema)

    # -- inserting --------------------------------------------------------------------

    def insert(self, args: Any, opts: InsertOpts | None = None) -> JobInsertResult:
        """Insert one job in its own transaction."""
        return self.insert_many([InsertManyParams(args, opts)])[0]

    def insert_tx(
        self, tx: TxT | OrmTx, args: Any, opts: InsertOpts | None = None
    ) -> JobInsertResult:
        """Insert one job in the caller's transaction: invisible until it commits."""
        return self.insert_many_tx(tx, [InsertManyParams(args, opts)])[0]

    def insert_many(self, params: Sequence[Any]) -> list[JobInsertResult]:
        """Insert many jobs in one transaction, returning every row (unique-aware)."""
        built = self._build(params)
        if has_sequence(built) or self._insert_middleware_for(built):
            with self._executor.transaction() as tx:
                results = self._insert_on(tx, built)
        else:
            # A single statement (insert and notification) is a transaction of its own.
            results = self._insert_on(self._executor, built)
        self._poke_local(built)
        return results

    def insert_many_tx(self, tx: TxT | OrmTx, params: Sequence[Any]) -> list[JobInsertResult]:
        built = self._build(params)
        return self._insert_on(self._tx_executor(tx), built)

    def insert_many_fast(self, params: Sequence[Any]) -> int:
        """Insert many jobs with COPY, returning only the count. Without insert hooks or
        middleware, the COPY sends the first jobs while the rest are built."""
        built: list[JobInsertFastParams] = []
        streamed = self._build_streamed(params, built)
        if streamed is None:
            built = self._build(params)
        with self._executor.transaction() as tx:
            if streamed is None:
                count = self._insert_fast_on(tx, built)
            else:
                count = tx.job_insert_fast_many_no_returning(streamed)
                self._notify_inserted(tx, built)
        self._poke_local(built)
        return count

    def insert_many_fast_tx(self, tx: TxT | OrmTx, params: Sequence[Any]) -> int:
        built = self._build(params)
        return self._insert_fast_on(self._tx_executor(tx), built)

    def _insert_on(
        self, executor: Executor, params: list[JobInsertFastParams]
    ) -> list[JobInsertResult]:
        keys = sequence_keys_of(params)
        if keys:  # before inserting: a key's ids grow in the order its inserts commit
            _sequence_lock(executor, keys)
        results = self._insert_rows_on(executor, params)
        if keys:
            promoted = _sequence_promote(
                executor, keys, insert_topic=self._topic(executor, TOPIC_INSERT)
            )
            results = with_states(results, promoted)
        return results

    def _insert_rows_on(
        self, executor: Executor, params: list[JobInsertFastParams]
    ) -> list[JobInsertResult]:

        def inner(ps: Sequence[JobInsertFastParams]) -> list[JobInsertResult]:
            self._insert_begin(ps)
            return executor.job_insert_fast_many(ps)

        middleware = self._insert_middleware_for(params)
        if not middleware:
            self._insert_begin(params)
            queues, held_back = self._queues_to_notify(params)
            if held_back:
                self._start_notice_flusher()
            notify = self._insert_notification(executor, queues)
            try:
                return executor.job_insert_fast_many(params, notify)
            except BaseException:
                self._forget_notified(queues)
                raise
        call = inner
        for mw in reversed(middleware):
            call = _wrap_insert(mw, call)
        results = call(params)
        self._notify_inserted(executor, params)
        return results

    def _insert_fast_on(self, executor: Executor, params: list[JobInsertFastParams]) -> int:
        keys = sequence_keys_of(params)
        if keys:  # as in _insert_on
            _sequence_lock(executor, keys)
        count = self._copy_rows_on(executor, params)
        if keys:
            _sequence_promote(executor, keys, insert_topic=self._topic(executor, TOPIC_INSERT))
        return count

    def _copy_rows_on(self, executor: Executor, params: list[JobInsertFastParams]) -> int:
        middleware = self._insert_middleware_for(params)
        if not middleware:
            self._insert_begin(params)
            count = executor.job_insert_fast_many_no_returning(params)
            self._notify_inserted(executor, params)
            return count
        counted: list[int] = []

        def inner(ps: Sequence[JobInsertFastParams]) -> list[JobInsertResult]:
            self._insert_begin(ps)
            counted.append(executor.job_insert_fast_many_no_returning(ps))
            return []  # COPY returns no rows

        call = inner
        for mw in reversed(middleware):
            call = _wrap_insert(mw, call)
        call(params)
        self._notify_inserted(executor, params)
        return sum(counted)

    def _insert_begin(self, params: Sequence[JobInsertFastParams]) -> None:
        """``insert_begin`` of the client's hooks, then of the job's args hooks, per job
        (innermost, on the params the middleware passed on, as in River)."""
        lookup = self.args_plugins
        if not self.insert_begin_hooks and (not lookup.any):
            return
        for p in params:
            for hook in self.insert_begin_hooks:
                hook.insert_begin(p)
            if lookup.any:
                for hook in lookup.by_kind(p.kind).insert_begin:
                    hook.insert_begin(p)

    def _notify_inserted(self, executor: Executor, params: Sequence[JobInsertFastParams]) -> None:
        """NOTIFY ``river_insert`` for queues that got available jobs: now, or once the
        queue's next token comes (``insert_notice_limiter``)."""
        queues, held_back = self._queues_to_notify(params)
        if held_back:
            self._start_notice_flusher()
        if queues:
            topic = self._topic(executor, TOPIC_INSERT)
            payloads = [InsertNotice(q).to_payload() for q in queues]
            executor.notify_many(NotifyManyParams(topic=topic, payloads=payloads))

    def _start_notice_flusher(self) -> None:
        spawn(self._flush_held_notices, name="river-insert-notices")

    def _flush_held_notices(self) -> None:
        """Send the held-back insert notifications as their queues' tokens come (the
        trailing edge), until none is held back."""
        limiter = self._notice_limiter
        try:
            while True:
                delay = limiter.next_due(time.monotonic())
                if delay is None:
                    return
                if delay > 0:
                    sleep(delay)
                self._send_insert_notices(limiter.take_due(time.monotonic()))
        except BaseException as exc:
            left = limiter.stop()
            if isinstance(exc, Exception):
                self.logger.warning(
                    "river: sending held-back insert notifications for %s failed: %s",
                    ", ".join(left) or "queues",
                    exc,
                )
                return
            raise

    def _send_insert_notices(self, queues: Sequence[str]) -> None:
        if queues:
            topic = self._topic(self._executor, TOPIC_INSERT)
            payloads = [InsertNotice(q).to_payload() for q in queues]
            self._executor.notify_many(NotifyManyParams(topic=topic, payloads=payloads))

    def _insert_notification(
        self, executor: Executor, queues: Sequence[str]
    ) -> NotifyManyParams | None:
        """The ``river_insert`` notification for ``queues``, sent with the insert."""
        if not queues:
            return None
        topic = self._topic(executor, TOPIC_INSERT)
        return NotifyManyParams(
            topic=topic, payloads=[InsertNotice(q).to_payload() for q in queues]
        )

    def _schema(self) -> str:
        """The schema River's tables are in: configured, else the connection's current one."""
        if self._schema_name is None:
            self._schema_name = self._executor.current_schema()
        return self._schema_name

    def _topic(self, executor: Executor, topic: str) -> str:
        if self._schema_name is None:
            self._schema_name = executor.current_schema()
        return channel(self._schema_name, topic)


def _wrap_insert(mw: Any, inner: Any) -> Any:

    def call(ps: Sequence[JobInsertFastParams]) -> list[JobInsertResult]:
        return mw.insert_many(ps, inner)  # type: ignore[no-any-return]

    return call
