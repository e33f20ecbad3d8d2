"""Inserting jobs: the insert pipeline every client method that inserts goes through
(insert middleware and hooks, sequences, the ``river_insert`` notifications), and the
executors it runs on.

The sync ``river.client_inserts`` is generated from this file.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, TypeVar

from river._acompat import asleep, aspawn
from river._internal.flow.sequence_async import lock as _sequence_lock
from river._internal.flow.sequence_async import promote as _sequence_promote
from river._internal.notifier.notification import TOPIC_INSERT, InsertNotice, channel
from river._internal.runtime.runtime_async import AsyncRuntime
from river.client_base import ClientBase
from river.driver.driver_async import AsyncDriver
from river.driver.executor_async import AsyncExecutor
from river.driver.params import JobInsertFastParams, JobInsertResult, NotifyManyParams
from river.driver.tx_adapters import AsyncOrmTx, resolve_tx_async
from river.insert_opts import InsertManyParams, InsertOpts
from river.middleware import AsyncHook, AsyncInsertMiddleware
from river.sequence import has_sequence, sequence_keys_of, with_states

TxT = TypeVar("TxT")


class AsyncClientInserts(ClientBase[TxT]):
    """The methods of ``river.AsyncClient`` that insert jobs."""

    driver: AsyncDriver[TxT]
    _executor: AsyncExecutor
    insert_middleware: tuple[AsyncInsertMiddleware, ...]
    hooks: tuple[AsyncHook, ...]
    _runtime: AsyncRuntime

    async def _tx_executor(self, tx: Any) -> AsyncExecutor:
        """An executor on the caller's transaction ``tx``: the driver's own connection or
        an ORM's (``river.driver.tx_adapters``)."""
        return self.driver.unwrap_executor(
            await resolve_tx_async(self.driver, tx), self.config.schema
        )

    # -- inserting --------------------------------------------------------------------

    async def insert(self, args: Any, opts: InsertOpts | None = None) -> JobInsertResult:
        """Insert one job in its own transaction."""
        return (await self.insert_many([InsertManyParams(args, opts)]))[0]

    async def insert_tx(
        self, tx: TxT | AsyncOrmTx, args: Any, opts: InsertOpts | None = None
    ) -> JobInsertResult:
        """Insert one job in the caller's transaction: invisible until it commits."""
        return (await self.insert_many_tx(tx, [InsertManyParams(args, opts)]))[0]

    async def insert_many(self, params: Sequence[Any]) -> list[JobInsertResult]:
        """Insert many jobs in one transaction, returning every row (unique-aware)."""
        built = self._build(params)
        if has_sequence(built) or self._insert_middleware_for(built):
            async with self._executor.transaction() as tx:
                results = await self._insert_on(tx, built)
        else:
            # A single statement (insert and notification) is a transaction of its own.
            results = await self._insert_on(self._executor, built)
        self._poke_local(built)
        return results

    async def insert_many_tx(self, tx: TxT | AsyncOrmTx, params: Sequence[Any]) -> list[JobInsertResult]:
        built = self._build(params)
        return await self._insert_on(await self._tx_executor(tx), built)

    async def insert_many_fast(self, params: Sequence[Any]) -> int:
        """Insert many jobs with COPY, returning only the count. Without insert hooks or
        middleware, the COPY sends the first jobs while the rest are built."""
        built: list[JobInsertFastParams] = []
        streamed = self._build_streamed(params, built)
        if streamed is None:
            built = self._build(params)
        async with self._executor.transaction() as tx:
            if streamed is None:
                count = await self._insert_fast_on(tx, built)
            else:
                count = await tx.job_insert_fast_many_no_returning(streamed)
                await self._notify_inserted(tx, built)
        self._poke_local(built)
        return count

    async def insert_many_fast_tx(self, tx: TxT | AsyncOrmTx, params: Sequence[Any]) -> int:
        built = self._build(params)
        return await self._insert_fast_on(
            await self._tx_executor(tx), built
        )

    async def _insert_on(
        self, executor: AsyncExecutor, params: list[JobInsertFastParams]
    ) -> list[JobInsertResult]:
        keys = sequence_keys_of(params)
        if keys:  # before inserting: a key's ids grow in the order its inserts commit
            await _sequence_lock(executor, keys)
        results = await self._insert_rows_on(executor, params)
        if keys:
            promoted = await _sequence_promote(
                executor, keys, insert_topic=await self._topic(executor, TOPIC_INSERT)
            )
            results = with_states(results, promoted)
        return results

    async def _insert_rows_on(
        self, executor: AsyncExecutor, params: list[JobInsertFastParams]
    ) -> list[JobInsertResult]:
        async def inner(ps: Sequence[JobInsertFastParams]) -> list[JobInsertResult]:
            await self._insert_begin(ps)
            return await executor.job_insert_fast_many(ps)

        middleware = self._insert_middleware_for(params)
        if not middleware:
            await self._insert_begin(params)
            queues, held_back = self._queues_to_notify(params)
            if held_back:
                self._start_notice_flusher()
            notify = await self._insert_notification(executor, queues)
            try:
                return await executor.job_insert_fast_many(params, notify)
            except BaseException:
                self._forget_notified(queues)
                raise
        call = inner
        for mw in reversed(middleware):
            call = _wrap_insert(mw, call)
        results = await call(params)
        await self._notify_inserted(executor, params)
        return results

    async def _insert_fast_on(
        self, executor: AsyncExecutor, params: list[JobInsertFastParams]
    ) -> int:
        keys = sequence_keys_of(params)
        if keys:  # as in _insert_on
            await _sequence_lock(executor, keys)
        count = await self._copy_rows_on(executor, params)
        if keys:
            await _sequence_promote(
                executor, keys, insert_topic=await self._topic(executor, TOPIC_INSERT)
            )
        return count

    async def _copy_rows_on(
        self, executor: AsyncExecutor, params: list[JobInsertFastParams]
    ) -> int:
        middleware = self._insert_middleware_for(params)
        if not middleware:
            await self._insert_begin(params)
            count = await executor.job_insert_fast_many_no_returning(params)
            await self._notify_inserted(executor, params)
            return count
        counted: list[int] = []

        async def inner(ps: Sequence[JobInsertFastParams]) -> list[JobInsertResult]:
            await self._insert_begin(ps)
            counted.append(await executor.job_insert_fast_many_no_returning(ps))
            return []  # COPY returns no rows

        call = inner
        for mw in reversed(middleware):
            call = _wrap_insert(mw, call)
        await call(params)
        await self._notify_inserted(executor, params)
        return sum(counted)

    async def _insert_begin(self, params: Sequence[JobInsertFastParams]) -> None:
        """``insert_begin`` of the client's hooks, then of the job's args hooks, per job
        (innermost, on the params the middleware passed on, as in River)."""
        lookup = self.args_plugins
        if not self.insert_begin_hooks and not lookup.any:
            return
        for p in params:
            for hook in self.insert_begin_hooks:
                await hook.insert_begin(p)
            if lookup.any:
                for hook in lookup.by_kind(p.kind).insert_begin:
                    await hook.insert_begin(p)

    async def _notify_inserted(
        self, executor: AsyncExecutor, params: Sequence[JobInsertFastParams]
    ) -> None:
        """NOTIFY ``river_insert`` for queues that got available jobs: now, or once the
        queue's next token comes (``insert_notice_limiter``)."""
        queues, held_back = self._queues_to_notify(params)
        if held_back:
            self._start_notice_flusher()
        if queues:
            topic = await self._topic(executor, TOPIC_INSERT)
            payloads = [InsertNotice(q).to_payload() for q in queues]
            await executor.notify_many(NotifyManyParams(topic=topic, payloads=payloads))

    def _start_notice_flusher(self) -> None:
        aspawn(self._flush_held_notices, name="river-insert-notices")

    async def _flush_held_notices(self) -> None:
        """Send the held-back insert notifications as their queues' tokens come (the
        trailing edge), until none is held back."""
        limiter = self._notice_limiter
        try:
            while True:
                delay = limiter.next_due(time.monotonic())
                if delay is None:
                    return
                if delay > 0:
                    await asleep(delay)
                await self._send_insert_notices(limiter.take_due(time.monotonic()))
        except BaseException as exc:
            left = limiter.stop()
            if isinstance(exc, Exception):
                self.logger.warning(
                    "river: sending held-back insert notifications for %s failed: %s",
                    ", ".join(left) or "queues", exc,
                )
                return
            raise

    async def _send_insert_notices(self, queues: Sequence[str]) -> None:
        if queues:
            topic = await self._topic(self._executor, TOPIC_INSERT)
            payloads = [InsertNotice(q).to_payload() for q in queues]
            await self._executor.notify_many(NotifyManyParams(topic=topic, payloads=payloads))

    async def _insert_notification(
        self, executor: AsyncExecutor, queues: Sequence[str]
    ) -> NotifyManyParams | None:
        """The ``river_insert`` notification for ``queues``, sent with the insert."""
        if not queues:
            return None
        topic = await self._topic(executor, TOPIC_INSERT)
        return NotifyManyParams(topic=topic, payloads=[InsertNotice(q).to_payload() for q in queues])

    async def _schema(self) -> str:
        """The schema River's tables are in: configured, else the connection's current one."""
        if self._schema_name is None:
            self._schema_name = await self._executor.current_schema()
        return self._schema_name

    async def _topic(self, executor: AsyncExecutor, topic: str) -> str:
        if self._schema_name is None:
            self._schema_name = await executor.current_schema()
        return channel(self._schema_name, topic)


def _wrap_insert(mw: Any, inner: Any) -> Any:
    async def call(ps: Sequence[JobInsertFastParams]) -> list[JobInsertResult]:
        return await mw.insert_many(ps, inner)  # type: ignore[no-any-return]

    return call
