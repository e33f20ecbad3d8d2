"""The executor's statements on ``river_job`` (``sql_job``; the fetch kept to a queue's
concurrency limits, ``sql_concurrency``; listings, ``list_query``): insert, fetch,
complete, read, change and the leader's maintenance.

The sync twin ``executor_job.py`` is generated from this file.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from river.driver import (
    binds,
    list_query,
    sql_concurrency,
    sql_job,
    sql_pg_misc,
)
from river.driver.copy_binary import in_pieces
from river.driver.errors import (
    InsufficientPrivilegeError,
    UndefinedNameError,
    UniqueViolationError,
)
from river.driver.executor_base import ListingDone
from river.driver.executor_core_async import AsyncExecutorCore
from river.driver.params import (
    JobCancelParams,
    JobDeleteBeforeParams,
    JobGetAvailableLimitedParams,
    JobGetAvailableParams,
    JobGetStuckParams,
    JobInsertFastParams,
    JobInsertResult,
    JobListParams,
    JobRescueManyParams,
    JobScheduleParams,
    JobScheduleResult,
    JobSetStateIfRunningParams,
    JobUpdateParams,
    NotifyManyParams,
)
from river.driver.rows import JOB_EXTRA_COLUMN, job_from_row
from river.driver.unique_batch import BatchKeys, with_repeats, without_repeats
from river.types import (
    JobRow,
    format_rfc3339_nano,
)


class AsyncJobQueries(AsyncExecutorCore):
    """The statements on ``river_job``."""

    # -- jobs -------------------------------------------------------------------------

    async def job_insert_fast_many(
        self, params: Sequence[JobInsertFastParams], notify: NotifyManyParams | None = None
    ) -> list[JobInsertResult]:
        """Insert ``params``; with ``notify``, send its notifications in the same statement.

        A unique job whose key is taken, by a job in the database or an earlier one of
        ``params``, is not inserted: its result is the job holding the key, left as it
        was, with ``unique_skipped_as_duplicate``."""
        if not params:
            return []
        binds.check_storable(params)
        # A job repeating an earlier one's unique key is not sent: it gets that job's row.
        sent, repeats = without_repeats(params)
        args = binds.insert_args(sent)
        if notify is not None and notify.payloads:
            args["topic"], args["payloads"] = notify.topic, list(notify.payloads)
            rows = await self.fetch_all(sql_job.JOB_INSERT_FAST_MANY_NOTIFY, args)
        else:
            rows = await self.fetch_all(sql_job.JOB_INSERT_FAST_MANY, args)
        results = [
            JobInsertResult(
                job=job_from_row(r), unique_skipped_as_duplicate=bool(r[JOB_EXTRA_COLUMN])
            )
            for r in rows
        ]
        return results if repeats is None else with_repeats(results, repeats)

    async def job_insert_fast_many_no_returning(self, params: Iterable[JobInsertFastParams]) -> int:
        """COPY the jobs; return how many. A sequence is checked and encoded whole before
        the COPY starts. An iterator is read in pieces while the COPY runs, so that building
        later jobs overlaps the database's work on earlier ones: a check failing in its
        first piece still raises before anything is sent, one in a later piece aborts the
        COPY, and with it the transaction.

        A COPY cannot skip a duplicate: a unique job whose key an earlier job of the batch
        or a job in the database holds fails the whole COPY with ``UniqueConflictError``
        naming the job (a repeat within the batch is found before it is sent)."""
        count = 0
        keys = BatchKeys()

        def checked(piece: list[JobInsertFastParams]) -> list[JobInsertFastParams]:
            nonlocal count
            binds.check_storable(piece)
            keys.add(piece)
            count += len(piece)
            return piece

        pieces = map(checked, in_pieces(params))
        try:
            await self._copy_params(list(pieces) if isinstance(params, Sequence) else pieces)
        except UniqueViolationError as exc:
            conflict = keys.conflict(exc.constraint, exc.detail)
            if conflict is None:
                raise
            raise conflict from exc
        return count

    async def job_get_available(self, params: JobGetAvailableParams) -> list[JobRow]:
        plans = self.plans
        rows = await self.fetch_all(
            plans.text(sql_job.JOB_GET_AVAILABLE),
            {
                "queue": params.queue,
                "now": params.now,
                "max_to_lock": params.max_to_lock,
                "max_attempted_by": params.max_attempted_by,
                "client_id": params.client_id,
            },
        )
        if rows:
            plans.observe(rows[0][-1])
        return [job_from_row(r) for r in rows]

    async def job_get_available_limited(
        self, params: JobGetAvailableLimitedParams
    ) -> list[JobRow]:
        """``job_get_available`` kept to a queue's concurrency limits; with a global limit,
        under the queue's fetch lock: in one call to a function of the session on a pool,
        else in a transaction (see ``sql_concurrency``)."""
        plans = self.plans
        query = plans.text(sql_concurrency.job_get_available_limited(len(params.by_args)))
        args = {
            "queue": params.queue,
            "now": params.now,
            "max_to_lock": params.max_to_lock,
            "max_attempted_by": params.max_attempted_by,
            "client_id": params.client_id,
            "active_ids": list(params.active_ids),
            "global_limit": params.global_limit,
            "local_limit": params.local_limit,
            "by_args": list(params.by_args),
            "by_kind": params.by_kind,
            "scan_limit": params.scan_limit,
        }
        locked = params.global_limit is not None
        rows: list[Sequence[Any]] | None = None
        if locked and self.session_functions and self.on_pool:
            rows = await self._fetch_limited_in_function(len(params.by_args), args)
        if rows is None:
            rows = await self.fetch_limited(query, args, locked=locked)
        if rows:
            plans.observe(rows[0][-1])
        return [job_from_row(r) for r in rows]

    async def fetch_limited(
        self, query: str, args: Mapping[str, Any], *, locked: bool
    ) -> list[Sequence[Any]]:
        """The rows of a statement kept to the concurrency limits of the queue ``args``
        names (a fetch, a batch leader's gather): under a global limit (``locked``), in a
        transaction that first takes the queue's fetch lock (see ``sql_concurrency``);
        otherwise only this client's jobs count, and no lock is needed."""
        if not locked:
            return await self.fetch_all(query, args)
        async with self.transaction() as tx:
            await tx.execute(sql_concurrency.QUEUE_FETCH_LOCK, {"queue": args["queue"]})
            return await tx.fetch_all(query, args)

    async def _fetch_limited_in_function(
        self, arg_fields: int, args: dict[str, Any]
    ) -> list[Sequence[Any]] | None:
        """The fetch with a global limit in one statement, which takes the queue's lock
        and releases it as it commits (``sql_concurrency.limited_fetch_function``); the
        first on a connection makes the function. None if the database refuses it."""
        create, call = sql_concurrency.limited_fetch_function(
            arg_fields, self.schema, self.plans.generation
        )
        try:
            return await self.fetch_all(call, args)
        except UndefinedNameError:
            pass  # this connection's session has not made it yet
        try:
            async with self.transaction() as tx:  # made and called on one connection
                await tx.exec_script(create)
                return await tx.fetch_all(call, args)
        except InsufficientPrivilegeError:
            self.session_functions = False
            return None

    async def job_set_state_if_running_many(
        self, params: Sequence[JobSetStateIfRunningParams], *, returning: bool = True
    ) -> list[JobRow]:
        """Apply state changes to jobs still running (metadata merges regardless); the
        rows come back unless ``returning`` is False."""
        if not params:
            return []
        if not returning:
            await self.fetch_all(
                self.plans.text(sql_job.JOB_SET_STATE_IF_RUNNING_MANY_NO_ROWS),
                binds.set_state_args(params),
            )
            return []
        rows = await self.fetch_all(
            self.plans.text(sql_job.JOB_SET_STATE_IF_RUNNING_MANY), binds.set_state_args(params)
        )
        return [job_from_row(r) for r in rows]

    async def job_mark_running(
        self, id: int, client_id: str, now: dt.datetime | None = None
    ) -> JobRow | None:
        """Set a job ``running`` as a fetch would (one more attempt, by ``client_id``),
        attempted at ``now`` (None: the database's ``now()``)."""
        row = await self.fetch_one(
            sql_job.JOB_MARK_RUNNING, {"id": id, "client_id": client_id, "now": now}
        )
        return job_from_row(row) if row else None

    async def job_complete_many(
        self, params: Sequence[JobSetStateIfRunningParams], *, returning: bool = True
    ) -> list[JobRow]:
        """``job_set_state_if_running_many`` for changes that only complete a job (see
        ``is_plain_completion``), with a lighter statement and the same result; the rows of
        jobs no longer running come back unchanged."""
        return await self.job_complete_many_at(
            [p.id for p in params],
            [p.finalized_at or dt.datetime.now(dt.UTC) for p in params],
            returning=returning,
            running_attempts=[p.running_attempt or 0 for p in params],
        )

    async def job_complete_many_at(
        self,
        ids: list[int],
        finalized_at: list[dt.datetime],
        *,
        returning: bool = True,
        running_attempts: list[int] | None = None,
    ) -> list[JobRow]:
        """``job_complete_many`` for the jobs ``ids``, each completed at its ``finalized_at``
        if it still runs its ``running_attempts`` entry (0 or None: whichever attempt)."""
        if not ids:
            return []
        attempts = running_attempts if running_attempts is not None else [0] * len(ids)
        args = {"ids": ids, "finalized_at": finalized_at, "running_attempt": attempts}
        if not returning:
            await self.fetch_all(self.plans.text(sql_job.JOB_COMPLETE_MANY_NO_ROWS), args)
            return []
        statement = self.plans.text(sql_job.JOB_COMPLETE_MANY)
        rows = [job_from_row(r) for r in await self.fetch_all(statement, args)]
        if len(rows) < len(ids):
            updated = {r.id for r in rows}
            rows += await self.job_get_by_id_many([i for i in ids if i not in updated])
        return rows

    async def job_get_by_id(self, id: int) -> JobRow | None:
        row = await self.fetch_one(sql_job.JOB_GET_BY_ID, {"id": id})
        return job_from_row(row) if row else None

    async def job_get_by_id_many(self, ids: Sequence[int]) -> list[JobRow]:
        rows = await self.fetch_all(sql_job.JOB_GET_BY_ID_MANY, {"ids": list(ids)})
        return [job_from_row(r) for r in rows]

    async def job_get_by_kind_many(self, kinds: Sequence[str]) -> list[JobRow]:
        rows = await self.fetch_all(sql_job.JOB_GET_BY_KIND_MANY, {"kinds": list(kinds)})
        return [job_from_row(r) for r in rows]

    async def job_cancel(self, params: JobCancelParams) -> JobRow | None:
        row = await self.fetch_one(
            sql_job.JOB_CANCEL,
            {
                "id": params.id,
                "control_topic": params.control_topic,
                "cancel_attempted_at": json.dumps(format_rfc3339_nano(params.cancel_attempted_at)),
                "now": params.now,
            },
        )
        return job_from_row(row) if row else None

    async def job_update(self, params: JobUpdateParams) -> JobRow | None:
        row = await self.fetch_one(
            sql_job.JOB_UPDATE, {"id": params.id, "metadata": params.metadata_merge}
        )
        return job_from_row(row) if row else None

    async def job_delete(self, id: int) -> JobRow | None:
        """Delete a job unless it is running; returns the row (still there if running)."""
        row = await self.fetch_one(sql_job.JOB_DELETE, {"id": id})
        return job_from_row(row) if row else None

    async def job_retry(self, id: int, now: dt.datetime | None = None) -> JobRow | None:
        row = await self.fetch_one(sql_job.JOB_RETRY, {"id": id, "now": now})
        return job_from_row(row) if row else None

    async def job_list(self, params: JobListParams) -> list[JobRow]:
        """The jobs matching ``params``. With raw ``where`` conditions, the listing runs in
        a read-only transaction (a savepoint inside the caller's) that is then rolled
        back: a condition can neither write nor leave a setting changed on the session."""
        query, values = list_query.job_list(params)
        if not params.where:
            return [job_from_row(r) for r in await self.fetch_all(query, values)]
        try:
            async with self.transaction() as tx:
                await tx.execute(list_query.LISTING_READ_ONLY)
                raise ListingDone(await tx.fetch_all(query, values))
        except ListingDone as done:
            return [job_from_row(r) for r in done.rows]

    async def job_delete_many(self, params: JobListParams) -> list[JobRow]:
        """Delete the jobs ``job_list(params)`` would list that are not running (locked
        ones are skipped), in the listing's order."""
        query, values = list_query.job_delete_many(params)
        return [job_from_row(r) for r in await self.fetch_all(query, values)]

    async def job_schedule(self, params: JobScheduleParams) -> list[JobScheduleResult]:
        rows = await self.fetch_all(
            self.plans.text(sql_job.JOB_SCHEDULE), {"now": params.now, "max": params.max}
        )
        return [
            JobScheduleResult(job=job_from_row(r), conflict_discarded=bool(r[JOB_EXTRA_COLUMN]))
            for r in rows
        ]

    async def job_get_stuck(self, params: JobGetStuckParams) -> list[JobRow]:
        rows = await self.fetch_all(
            self.plans.text(sql_job.JOB_GET_STUCK),
            {"stuck_horizon": params.stuck_horizon, "after_id": params.after_id, "max": params.max},
        )
        return [job_from_row(r) for r in rows]

    async def job_get_cancel_attempted_ids(self, ids: Sequence[int]) -> list[int]:
        """Of ``ids``, the running jobs whose cancel was requested (``cancel_attempted_at``)."""
        if not ids:
            return []
        rows = await self.fetch_all(sql_job.JOB_GET_CANCEL_ATTEMPTED_IDS, {"ids": list(ids)})
        return [int(r[0]) for r in rows]

    async def job_rescue_many(self, params: JobRescueManyParams) -> list[JobRow]:
        if not params.ids:
            return []
        rows = await self.fetch_all(
            sql_job.JOB_RESCUE_MANY,
            {
                "ids": list(params.ids),
                "errors": list(params.errors),
                # The placeholder is only stored for finalized states (see the SQL).
                "finalized_at": [f or binds.EPOCH for f in params.finalized_at],
                "scheduled_at": list(params.scheduled_at),
                "states": [s.value for s in params.states],
                "stuck_horizon": params.stuck_horizon,
            },
        )
        return [job_from_row(r) for r in rows]

    async def job_delete_before(
        self, params: JobDeleteBeforeParams, *, timeout: float | None = None
    ) -> int:
        """Delete up to ``params.max`` expired finalized jobs; returns how many. With a
        ``timeout`` (seconds) the delete runs in its own transaction (a savepoint in one
        already open) under that ``statement_timeout`` and raises ``QueryCanceledError``
        when it takes longer."""
        if timeout is None:
            return await self._job_delete_before(self, params)
        async with self.transaction() as tx:
            timeout_ms = max(1, round(timeout * 1000))
            await tx.execute(
                sql_pg_misc.STATEMENT_TIMEOUT_SET_LOCAL, {"timeout_ms": str(timeout_ms)}
            )
            return await self._job_delete_before(tx, params)

    async def _job_delete_before(
        self, executor: AsyncExecutorCore, params: JobDeleteBeforeParams
    ) -> int:
        """The delete, run on ``executor`` (this one, or its transaction)."""
        never = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
        row = await executor.fetch_one(
            executor.plans.text(sql_job.JOB_DELETE_BEFORE),
            {
                "cancelled_before": params.cancelled_finalized_before or never,
                "completed_before": params.completed_finalized_before or never,
                "discarded_before": params.discarded_finalized_before or never,
                "max": params.max,
            },
        )
        return int(row[0]) if row else 0
