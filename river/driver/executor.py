# WARNING: this file is generated from 'executor_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""The driver-neutral executor: River's domain operations over a few driver primitives.

A driver subclasses ``AsyncExecutor`` and supplies ``_execute``, ``_fetch_all``,
``exec_script``, ``transaction`` and ``_copy_jobs``; everything else is shared SQL.
"""

from __future__ import annotations

import abc
import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from river.driver import (
    binds,
    list_query,
    sql_concurrency,
    sql_job,
    sql_leader,
    sql_migration,
    sql_pg_misc,
    sql_queue,
    sql_sequence,
    sql_workflow,
)
from river.driver.copy_binary import in_pieces
from river.driver.errors import UniqueViolationError
from river.driver.executor_base import ExecutorBase, ListingDone
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
    LeaderElectParams,
    LeaderResignParams,
    NotifyManyParams,
    QueueCreateOrSetUpdatedAtParams,
    QueuePauseParams,
    QueueUpdateParams,
)
from river.driver.query import CompiledQuery, quote_ident
from river.driver.rows import job_from_row, leader_from_row, queue_from_row
from river.driver.unique_batch import BatchKeys, with_repeats, without_repeats
from river.types import (
    JobRow,
    JobState,
    Leader,
    MinuteStateCount,
    Queue,
    QueueStateCount,
    format_rfc3339_nano,
)


class Executor(ExecutorBase, abc.ABC):
    """Runs River's queries on a pool (each call autocommits) or on one transaction."""

    # -- primitives supplied by drivers -----------------------------------------------

    @abc.abstractmethod
    def _execute(self, query: CompiledQuery, args: Mapping[str, Any]) -> None: ...

    @abc.abstractmethod
    def _fetch_all(self, query: CompiledQuery, args: Mapping[str, Any]) -> list[Sequence[Any]]: ...

    @abc.abstractmethod
    def exec_script(self, script: str) -> None:
        """Run SQL text without parameters (may hold several statements)."""

    @abc.abstractmethod
    def transaction(self) -> AbstractContextManager[Executor]:
        """A transaction (a savepoint when already in one) yielding an executor bound to it."""

    @abc.abstractmethod
    def _copy_jobs(self, rows: list[tuple[Any, ...]]) -> int:
        """COPY rows (in ``sql_job.COPY_COLUMNS`` order) into river_job; return the count."""

    def _copy_params(self, pieces: Iterable[Sequence[JobInsertFastParams]]) -> None:
        """COPY checked jobs into river_job, given in pieces (see
        ``copy_binary.copy_pieces``); a driver may encode them without rows."""
        rows = binds.copy_rows([p for piece in pieces for p in piece])
        if rows:  # no COPY round trip for no jobs
            self._copy_jobs(rows)

    # -- generic helpers ----------------------------------------------------------------

    def execute(self, query: str, args: Mapping[str, Any] | None = None) -> None:
        self._execute(self.compile(query), args or {})

    def fetch_all(self, query: str, args: Mapping[str, Any] | None = None) -> list[Sequence[Any]]:
        return self._fetch_all(self.compile(query), args or {})

    def fetch_one(self, query: str, args: Mapping[str, Any] | None = None) -> Sequence[Any] | None:
        rows = self._fetch_all(self.compile(query), args or {})
        return rows[0] if rows else None

    def current_schema(self) -> str:
        row = self.fetch_one(sql_pg_misc.CURRENT_SCHEMA)
        return str(row[0]) if row else ""

    def ping(self) -> None:
        """Fail unless the database answers."""
        self.fetch_one(sql_pg_misc.PING)

    def table_exists(self, table: str) -> bool:
        """Whether ``table`` exists in this executor's schema (or on the search path)."""
        row = self.fetch_one(sql_migration.TABLE_EXISTS, {"name": self._qualified(table)})
        return bool(row and row[0])

    def column_exists(self, table: str, column: str) -> bool:
        row = self.fetch_one(
            sql_migration.COLUMN_EXISTS, {"table": self._qualified(table), "column": column}
        )
        return bool(row and row[0])

    # -- migrations (``river_migration``; before version 5 it has no ``line``) ----------

    def migration_get_by_line(self, line: str) -> list[int]:
        """The versions of ``line`` applied, ascending."""
        rows = self.fetch_all(sql_migration.MIGRATION_GET_BY_LINE, {"line": line})
        return [int(r[0]) for r in rows]

    def migration_get_all_assuming_main(self) -> list[int]:
        rows = self.fetch_all(sql_migration.MIGRATION_GET_ALL_ASSUMING_MAIN)
        return [int(r[0]) for r in rows]

    def migration_insert_many(self, line: str, versions: Sequence[int]) -> None:
        self.execute(
            sql_migration.MIGRATION_INSERT_MANY, {"line": line, "versions": list(versions)}
        )

    def migration_insert_many_assuming_main(self, versions: Sequence[int]) -> None:
        self.execute(
            sql_migration.MIGRATION_INSERT_MANY_ASSUMING_MAIN, {"versions": list(versions)}
        )

    def migration_delete_by_line_many(self, line: str, versions: Sequence[int]) -> None:
        self.execute(
            sql_migration.MIGRATION_DELETE_BY_LINE_MANY, {"line": line, "versions": list(versions)}
        )

    def migration_delete_assuming_main_many(self, versions: Sequence[int]) -> None:
        self.execute(
            sql_migration.MIGRATION_DELETE_ASSUMING_MAIN_MANY, {"versions": list(versions)}
        )

    # -- indexes ------------------------------------------------------------------------

    def index_exists(self, schema: str, index: str) -> bool:
        row = self.fetch_one(sql_pg_misc.INDEX_EXISTS, {"schema": schema, "index": index})
        return bool(row and row[0])

    def index_reindex_leftovers_exist(self, schema: str, index: str) -> bool:
        """Whether an interrupted ``REINDEX CONCURRENTLY`` left copies of ``index``."""
        row = self.fetch_one(
            sql_pg_misc.INDEX_REINDEX_LEFTOVERS_EXIST, {"schema": schema, "index": index}
        )
        return bool(row and row[0])

    def index_reindex(self, schema: str, index: str, *, label: str | None = None) -> None:
        """Rebuild ``index`` concurrently (not inside a transaction: Postgres refuses).

        With ``label`` (letters and digits), ``index_reindex_cancel(label)`` from another
        connection cancels the rebuild."""
        names = {"schema": quote_ident(schema), "index": quote_ident(index)}
        if label is None:
            self.exec_script(sql_pg_misc.INDEX_REINDEX.format(**names))
            return
        if not label.isalnum():
            raise ValueError(f"reindex label must be letters and digits, got {label!r}")
        self.exec_script(sql_pg_misc.INDEX_REINDEX_LABELLED.format(label=label, **names))

    def index_reindex_cancel(self, label: str) -> int:
        """Cancel the rebuild started with ``label``; returns how many were signalled."""
        row = self.fetch_one(sql_pg_misc.INDEX_REINDEX_CANCEL, {"label": label})
        return int(row[0]) if row else 0

    # -- jobs -------------------------------------------------------------------------

    def job_insert_fast_many(
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
            args["topic"], args["payloads"] = (notify.topic, list(notify.payloads))
            rows = self.fetch_all(sql_job.JOB_INSERT_FAST_MANY_NOTIFY, args)
        else:
            rows = self.fetch_all(sql_job.JOB_INSERT_FAST_MANY, args)
        results = [
            JobInsertResult(job=job_from_row(r), unique_skipped_as_duplicate=bool(r[18]))
            for r in rows
        ]
        return results if repeats is None else with_repeats(results, repeats)

    def job_insert_fast_many_no_returning(self, params: Iterable[JobInsertFastParams]) -> int:
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
            self._copy_params(list(pieces) if isinstance(params, Sequence) else pieces)
        except UniqueViolationError as exc:
            conflict = keys.conflict(exc.constraint, exc.detail)
            if conflict is None:
                raise
            raise conflict from exc
        return count

    def job_get_available(self, params: JobGetAvailableParams) -> list[JobRow]:
        plans = self.plans
        rows = self.fetch_all(
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

    def job_get_available_limited(self, params: JobGetAvailableLimitedParams) -> list[JobRow]:
        """``job_get_available`` kept to a queue's concurrency limits; with a global limit,
        in a transaction holding the queue's fetch lock (see ``sql_concurrency``)."""
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
        if params.global_limit is None:  # only this client's jobs count: no lock
            rows = self.fetch_all(query, args)
        else:
            with self.transaction() as tx:
                tx.execute(sql_concurrency.QUEUE_FETCH_LOCK, {"queue": params.queue})
                rows = tx.fetch_all(query, args)
        if rows:
            plans.observe(rows[0][-1])
        return [job_from_row(r) for r in rows]

    def job_set_state_if_running_many(
        self, params: Sequence[JobSetStateIfRunningParams], *, returning: bool = True
    ) -> list[JobRow]:
        """Apply state changes to jobs still running (metadata merges regardless); the
        rows come back unless ``returning`` is False."""
        if not params:
            return []
        if not returning:
            self.fetch_all(
                self.plans.text(sql_job.JOB_SET_STATE_IF_RUNNING_MANY_NO_ROWS),
                binds.set_state_args(params),
            )
            return []
        rows = self.fetch_all(
            self.plans.text(sql_job.JOB_SET_STATE_IF_RUNNING_MANY), binds.set_state_args(params)
        )
        return [job_from_row(r) for r in rows]

    def job_mark_running(
        self, id: int, client_id: str, now: dt.datetime | None = None
    ) -> JobRow | None:
        """Set a job ``running`` as a fetch would (one more attempt, by ``client_id``),
        attempted at ``now`` (None: the database's ``now()``)."""
        row = self.fetch_one(
            sql_job.JOB_MARK_RUNNING, {"id": id, "client_id": client_id, "now": now}
        )
        return job_from_row(row) if row else None

    def job_complete_many(
        self, params: Sequence[JobSetStateIfRunningParams], *, returning: bool = True
    ) -> list[JobRow]:
        """``job_set_state_if_running_many`` for changes that only complete a job (see
        ``is_plain_completion``), with a lighter statement and the same result; the rows of
        jobs no longer running come back unchanged."""
        return self.job_complete_many_at(
            [p.id for p in params],
            [p.finalized_at or dt.datetime.now(dt.UTC) for p in params],
            returning=returning,
            running_attempts=[p.running_attempt or 0 for p in params],
        )

    def job_complete_many_at(
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
            self.fetch_all(self.plans.text(sql_job.JOB_COMPLETE_MANY_NO_ROWS), args)
            return []
        statement = self.plans.text(sql_job.JOB_COMPLETE_MANY)
        rows = [job_from_row(r) for r in self.fetch_all(statement, args)]
        if len(rows) < len(ids):
            updated = {r.id for r in rows}
            rows += self.job_get_by_id_many([i for i in ids if i not in updated])
        return rows

    def job_get_by_id(self, id: int) -> JobRow | None:
        row = self.fetch_one(sql_job.JOB_GET_BY_ID, {"id": id})
        return job_from_row(row) if row else None

    def job_get_by_id_many(self, ids: Sequence[int]) -> list[JobRow]:
        rows = self.fetch_all(sql_job.JOB_GET_BY_ID_MANY, {"ids": list(ids)})
        return [job_from_row(r) for r in rows]

    def job_get_by_kind_many(self, kinds: Sequence[str]) -> list[JobRow]:
        rows = self.fetch_all(sql_job.JOB_GET_BY_KIND_MANY, {"kinds": list(kinds)})
        return [job_from_row(r) for r in rows]

    def job_cancel(self, params: JobCancelParams) -> JobRow | None:
        row = self.fetch_one(
            sql_job.JOB_CANCEL,
            {
                "id": params.id,
                "control_topic": params.control_topic,
                "cancel_attempted_at": json.dumps(format_rfc3339_nano(params.cancel_attempted_at)),
                "now": params.now,
            },
        )
        return job_from_row(row) if row else None

    def job_update(self, params: JobUpdateParams) -> JobRow | None:
        row = self.fetch_one(
            sql_job.JOB_UPDATE, {"id": params.id, "metadata": params.metadata_merge}
        )
        return job_from_row(row) if row else None

    def job_delete(self, id: int) -> JobRow | None:
        """Delete a job unless it is running; returns the row (still there if running)."""
        row = self.fetch_one(sql_job.JOB_DELETE, {"id": id})
        return job_from_row(row) if row else None

    def job_retry(self, id: int, now: dt.datetime | None = None) -> JobRow | None:
        row = self.fetch_one(sql_job.JOB_RETRY, {"id": id, "now": now})
        return job_from_row(row) if row else None

    def job_list(self, params: JobListParams) -> list[JobRow]:
        """The jobs matching ``params``. With raw ``where`` conditions, the listing runs in
        a read-only transaction (a savepoint inside the caller's) that is then rolled
        back: a condition can neither write nor leave a setting changed on the session."""
        query, values = list_query.job_list(params)
        if not params.where:
            return [job_from_row(r) for r in self.fetch_all(query, values)]
        try:
            with self.transaction() as tx:
                tx.execute(list_query.LISTING_READ_ONLY)
                raise ListingDone(tx.fetch_all(query, values))
        except ListingDone as done:
            return [job_from_row(r) for r in done.rows]

    def job_delete_many(self, params: JobListParams) -> list[JobRow]:
        """Delete the jobs ``job_list(params)`` would list that are not running (locked
        ones are skipped), in the listing's order."""
        query, values = list_query.job_delete_many(params)
        return [job_from_row(r) for r in self.fetch_all(query, values)]

    def job_schedule(self, params: JobScheduleParams) -> list[JobScheduleResult]:
        rows = self.fetch_all(
            self.plans.text(sql_job.JOB_SCHEDULE), {"now": params.now, "max": params.max}
        )
        return [
            JobScheduleResult(job=job_from_row(r), conflict_discarded=bool(r[18])) for r in rows
        ]

    def job_get_stuck(self, params: JobGetStuckParams) -> list[JobRow]:
        rows = self.fetch_all(
            self.plans.text(sql_job.JOB_GET_STUCK),
            {"stuck_horizon": params.stuck_horizon, "after_id": params.after_id, "max": params.max},
        )
        return [job_from_row(r) for r in rows]

    def job_get_cancel_attempted_ids(self, ids: Sequence[int]) -> list[int]:
        """Of ``ids``, the running jobs whose cancel was requested (``cancel_attempted_at``)."""
        if not ids:
            return []
        rows = self.fetch_all(sql_job.JOB_GET_CANCEL_ATTEMPTED_IDS, {"ids": list(ids)})
        return [int(r[0]) for r in rows]

    def job_rescue_many(self, params: JobRescueManyParams) -> list[JobRow]:
        if not params.ids:
            return []
        # The placeholder is only stored for finalized states (see the SQL).
        rows = self.fetch_all(
            sql_job.JOB_RESCUE_MANY,
            {
                "ids": list(params.ids),
                "errors": list(params.errors),
                "finalized_at": [f or binds.EPOCH for f in params.finalized_at],
                "scheduled_at": list(params.scheduled_at),
                "states": [s.value for s in params.states],
                "stuck_horizon": params.stuck_horizon,
            },
        )
        return [job_from_row(r) for r in rows]

    def job_delete_before(
        self, params: JobDeleteBeforeParams, *, timeout: float | None = None
    ) -> int:
        """Delete up to ``params.max`` expired finalized jobs; returns how many. With a
        ``timeout`` (seconds) the delete runs in its own transaction (a savepoint in one
        already open) under that ``statement_timeout`` and raises ``QueryCanceledError``
        when it takes longer."""
        if timeout is None:
            return self._job_delete_before(params)
        with self.transaction() as tx:
            timeout_ms = max(1, round(timeout * 1000))
            tx.execute(sql_pg_misc.STATEMENT_TIMEOUT_SET_LOCAL, {"timeout_ms": str(timeout_ms)})
            return tx._job_delete_before(params)

    def _job_delete_before(self, params: JobDeleteBeforeParams) -> int:
        never = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
        row = self.fetch_one(
            self.plans.text(sql_job.JOB_DELETE_BEFORE),
            {
                "cancelled_before": params.cancelled_finalized_before or never,
                "completed_before": params.completed_finalized_before or never,
                "discarded_before": params.discarded_finalized_before or never,
                "max": params.max,
            },
        )
        return int(row[0]) if row else 0

    # -- leadership -------------------------------------------------------------------

    def leader_delete_expired(self) -> None:
        self.execute(sql_leader.LEADER_DELETE_EXPIRED)

    def leader_attempt_elect(self, params: LeaderElectParams) -> Leader | None:
        row = self.fetch_one(
            sql_leader.LEADER_ATTEMPT_ELECT,
            {"leader_id": params.leader_id, "ttl_seconds": params.ttl.total_seconds()},
        )
        return leader_from_row(row) if row else None

    def leader_attempt_reelect(self, params: LeaderElectParams) -> Leader | None:
        row = self.fetch_one(
            sql_leader.LEADER_ATTEMPT_REELECT,
            {"leader_id": params.leader_id, "ttl_seconds": params.ttl.total_seconds()},
        )
        return leader_from_row(row) if row else None

    def leader_resign(self, params: LeaderResignParams) -> bool:
        rows = self.fetch_all(
            sql_leader.LEADER_RESIGN,
            {"leader_id": params.leader_id, "leadership_topic": params.leadership_topic},
        )
        return bool(rows)

    def leader_get_elected_leader(self) -> Leader | None:
        row = self.fetch_one(sql_leader.LEADER_GET_ELECTED_LEADER)
        return leader_from_row(row) if row else None

    # -- queues -----------------------------------------------------------------------

    def queue_create_or_set_updated_at(self, params: QueueCreateOrSetUpdatedAtParams) -> Queue:
        row = self.fetch_one(
            sql_queue.QUEUE_CREATE_OR_SET_UPDATED_AT,
            {
                "name": params.name,
                "metadata": params.metadata,
                "paused_at": params.paused_at,
                "now": params.now,
            },
        )
        assert row is not None
        return queue_from_row(row)

    def queue_get(self, name: str) -> Queue | None:
        row = self.fetch_one(sql_queue.QUEUE_GET, {"name": name})
        return queue_from_row(row) if row else None

    def queue_list(self, max: int = 100) -> list[Queue]:
        return [queue_from_row(r) for r in self.fetch_all(sql_queue.QUEUE_LIST, {"max": max})]

    def queue_update(self, params: QueueUpdateParams) -> Queue | None:
        """Replace a queue's metadata (when ``params.metadata`` is given) and bump its
        ``updated_at``; None when no queue has that name."""
        row = self.fetch_one(
            sql_queue.QUEUE_UPDATE,
            {
                "name": params.name,
                "metadata": params.metadata,
                "metadata_do_update": params.metadata is not None,
            },
        )
        return queue_from_row(row) if row else None

    def job_count_by_queue_and_state(self) -> list[QueueStateCount]:
        """How many jobs each queue holds in each state (only pairs with jobs)."""
        rows = self.fetch_all(sql_job.JOB_COUNT_BY_QUEUE_AND_STATE, {})
        return [QueueStateCount(queue=r[0], state=JobState(r[1]), count=int(r[2])) for r in rows]

    def job_count_by_queue_and_state_capped(self, cap: int) -> list[QueueStateCount]:
        """``job_count_by_queue_and_state`` with each count stopping at ``cap`` (a count
        equal to ``cap`` means at least that many), at a cost bounded by queues times cap."""
        rows = self.fetch_all(sql_job.JOB_COUNT_BY_QUEUE_AND_STATE_CAPPED, {"cap": cap})
        return [QueueStateCount(queue=r[0], state=JobState(r[1]), count=int(r[2])) for r in rows]

    def job_finalized_per_minute(self, since: dt.datetime) -> list[MinuteStateCount]:
        """Jobs completed, discarded or cancelled per minute since ``since`` (busy minutes only)."""
        rows = self.fetch_all(sql_job.JOB_FINALIZED_PER_MINUTE, {"since": since})
        return [MinuteStateCount(minute=r[0], state=JobState(r[1]), count=int(r[2])) for r in rows]

    def queue_oldest_available(self, queues: Sequence[str]) -> dict[str, dt.datetime | None]:
        """The earliest ``scheduled_at`` of an available job in each queue (None: none)."""
        rows = self.fetch_all(sql_job.QUEUE_OLDEST_AVAILABLE, {"queues": list(queues)})
        return {str(r[0]): r[1] for r in rows}

    def job_running_client_ids(self, max: int = 10000) -> dict[str, int]:
        """Clients working jobs now, each with how many running jobs it holds (counted
        over at most ``max`` running jobs)."""
        rows = self.fetch_all(sql_job.JOB_RUNNING_CLIENT_IDS, {"max": max})
        return {str(r[0]): int(r[1]) for r in rows}

    def queue_pause(self, params: QueuePauseParams) -> int:
        """Pause a queue (or ``*``); returns how many queues matched."""
        row = self.fetch_one(sql_queue.QUEUE_PAUSE, {"name": params.name, "now": params.now})
        return int(row[0]) if row else 0

    def queue_resume(self, params: QueuePauseParams) -> int:
        row = self.fetch_one(sql_queue.QUEUE_RESUME, {"name": params.name})
        return int(row[0]) if row else 0

    def queue_delete_expired(self, horizon: dt.datetime, max: int = 1000) -> list[str]:
        rows = self.fetch_all(
            sql_queue.QUEUE_DELETE_EXPIRED, {"updated_at_horizon": horizon, "max": max}
        )
        return [str(r[0]) for r in rows]

    # -- notifications ----------------------------------------------------------------

    def notify_many(self, params: NotifyManyParams) -> None:
        if params.payloads:
            self.fetch_all(
                sql_pg_misc.NOTIFY_MANY, {"topic": params.topic, "payloads": list(params.payloads)}
            )

    # -- workflows (river/driver/sql_workflow.py) -------------------------------------

    def workflow_lock(self, workflow_ids: Sequence[str]) -> str:
        """Take the transaction-scoped lock of each workflow (sorted: no deadlock) and
        turn JIT off; returns the JIT setting for ``workflow_jit_restore``."""
        rows = self.fetch_all(sql_workflow.WORKFLOW_LOCK, {"workflow_ids": list(workflow_ids)})
        return str(rows[0][0])

    def workflow_jit_restore(self, jit: str) -> None:
        self.fetch_all(sql_workflow.WORKFLOW_JIT_RESTORE, {"jit": jit})

    def workflow_promote(
        self,
        changed: Sequence[tuple[str, str]],
        ids: Sequence[int] = (),
        now: dt.datetime | None = None,
    ) -> list[tuple[int, JobState, str, str, str]]:
        """Decide the pending dependents of the ``(workflow id, task)`` pairs ``changed``
        and the pending tasks ``ids``: available when every dependency is done, cancelled
        when one failed. Returns (id, new state, queue, workflow id, task) of each."""
        rows = self.fetch_all(
            sql_workflow.WORKFLOW_PROMOTE,
            {
                "workflow_ids": [wf for wf, _ in changed],
                "tasks": [task for _, task in changed],
                "ids": list(ids),
                "now": now,
            },
        )
        return [(int(r[0]), JobState(r[1]), str(r[2]), str(r[3]), str(r[4])) for r in rows]

    def workflow_tasks(self, workflow_id: str, tasks: Sequence[str] | None = None) -> list[JobRow]:
        rows = self.fetch_all(
            sql_workflow.WORKFLOW_TASKS,
            {"workflow_id": workflow_id, "tasks": list(tasks) if tasks is not None else None},
        )
        return [job_from_row(r) for r in rows]

    def workflow_list(
        self, name: str | None = None, max: int = 100
    ) -> list[tuple[str, str, dt.datetime, str]]:
        rows = self.fetch_all(sql_workflow.WORKFLOW_LIST, {"name": name, "max": max})
        return [(str(r[0]), str(r[1] or ""), r[2], str(r[3])) for r in rows]

    def workflow_cancel(
        self, workflow_id: str, now: dt.datetime | None = None
    ) -> tuple[list[int], list[int]]:
        """Cancel the tasks not running; returns (their ids, the ids of running ones)."""
        args = {"workflow_id": workflow_id, "now": now}
        cancelled = self.fetch_all(sql_workflow.WORKFLOW_CANCEL, args)
        running = self.fetch_all(sql_workflow.WORKFLOW_RUNNING_IDS, args)
        return ([int(r[0]) for r in cancelled], [int(r[0]) for r in running])

    def workflow_retry(
        self, workflow_id: str, now: dt.datetime | None = None
    ) -> list[tuple[int, JobState, str]]:
        """Retry the failed and cancelled tasks; returns (id, new state, queue) of each."""
        rows = self.fetch_all(sql_workflow.WORKFLOW_RETRY, {"workflow_id": workflow_id, "now": now})
        return [(int(r[0]), JobState(r[1]), str(r[2])) for r in rows]

    def workflow_sweep_candidates(self, max: int = 1000) -> list[tuple[str, int]]:
        rows = self.fetch_all(sql_workflow.WORKFLOW_SWEEP_CANDIDATES, {"max": max})
        return [(str(r[0]), int(r[1])) for r in rows]

    # -- sequences (river/driver/sql_sequence.py) -------------------------------------

    def sequence_lock(self, keys: Sequence[str]) -> None:
        """Take the transaction-scoped lock of each sequence key (sorted: no deadlock)."""
        self.fetch_all(sql_sequence.SEQUENCE_LOCK, {"keys": list(keys)})

    def sequence_promote(
        self, keys: Sequence[str], now: dt.datetime | None = None
    ) -> list[tuple[int, JobState, str, str]]:
        """Make the next pending job of each key available when nothing is in its way.
        Returns (id, new state, queue, key) of each job changed."""
        rows = self.fetch_all(sql_sequence.SEQUENCE_PROMOTE, {"keys": list(keys), "now": now})
        return [(int(r[0]), JobState(r[1]), str(r[2]), str(r[3])) for r in rows]

    def sequence_hold(self, id: int, key: str) -> bool:
        """Put the available job ``id`` back to pending while another job of its key
        ``key`` is in the way; returns whether it did."""
        return bool(self.fetch_all(sql_sequence.SEQUENCE_HOLD, {"id": id, "key": key}))

    def sequence_sweep_candidates(self, max: int = 1000) -> list[str]:
        rows = self.fetch_all(sql_sequence.SEQUENCE_SWEEP_CANDIDATES, {"max": max})
        return [str(r[0]) for r in rows]

    # -- the dashboard's queue page (sql_queue, sql_concurrency, sql_sequence) ---------

    def queue_running_client_ids(self, queue: str, max: int = 100) -> dict[str, int]:
        """The clients running jobs of ``queue``, each with how many (over at most
        ``max`` running jobs)."""
        rows = self.fetch_all(sql_queue.QUEUE_RUNNING_CLIENT_IDS, {"queue": queue, "max": max})
        return {str(r[0]): int(r[1]) for r in rows}

    def queue_finalized_since(
        self, queue: str, since: dt.datetime, cap: int
    ) -> dict[JobState, int]:
        """Per final state, the jobs of ``queue`` finalized since ``since``, each count
        stopping at ``cap``."""
        rows = self.fetch_all(
            sql_queue.QUEUE_FINALIZED_SINCE, {"queue": queue, "since": since, "cap": cap}
        )
        return {JobState(r[0]): int(r[1]) for r in rows}

    def queue_running_by_partition(
        self,
        queue: str,
        *,
        by_kind: bool,
        by_args: Sequence[str],
        max: int = 2000,
        partitions: int = 50,
    ) -> list[tuple[str, int, int]]:
        """(partition key, running, most running in one client) for the busiest
        ``partitions`` partitions of ``queue``, over at most ``max`` running jobs; the
        key is the JSON array the limited fetch builds (kind or null, then each field)."""
        rows = self.fetch_all(
            sql_concurrency.queue_running_by_partition(len(by_args)),
            {
                "queue": queue,
                "by_kind": by_kind,
                "by_args": list(by_args),
                "max": max,
                "partitions": partitions,
            },
        )
        return [(str(r[0]), int(r[1]), int(r[2])) for r in rows]

    def sequence_queue_heads(
        self, queue: str, *, scan: int = 5000, max_keys: int = 50
    ) -> list[tuple[str, int, int | None, int | None, JobState | None, str | None]]:
        """The sequences with jobs of ``queue`` waiting or running (see
        ``sql_sequence.QUEUE_SEQUENCES``): (key, jobs waiting, next waiting id, head id,
        head state, head kind), the head None when nothing is in the next job's way."""
        rows = self.fetch_all(
            sql_sequence.QUEUE_SEQUENCES, {"queue": queue, "scan": scan, "max_keys": max_keys}
        )
        return [
            (
                str(r[0]),
                int(r[1]),
                None if r[2] is None else int(r[2]),
                None if r[3] is None else int(r[3]),
                None if r[4] is None else JobState(r[4]),
                None if r[5] is None else str(r[5]),
            )
            for r in rows
        ]
