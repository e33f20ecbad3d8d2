"""Client configuration (River's ``Config``), validated when a client is built."""

from __future__ import annotations

import datetime as dt
import logging
import re
import socket
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from river.clock import TimeGenerator
from river.concurrency import ConcurrencyConfig
from river.errors import ConfigError, InvalidKindError, InvalidQueueError
from river.insert_opts import validate_kind, validate_queue_name
from river.middleware import AnyHook, AnyMiddleware
from river.periodic import PeriodicJob, Schedule, cron
from river.retry_policy import DefaultRetryPolicy, RetryPolicy
from river.unique_rules import UniqueRules
from river.worker import Workers

Duration = dt.timedelta | float

QUEUE_DEFAULT = "default"
MAX_WORKERS_LIMIT = 10_000
_SCHEMA_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_CLIENT_ID_MAX = 100
RESCUE_AFTER_DEFAULT = 3600.0  # River's JobRescuerRescueAfterDefault
# River's ReindexerIndexNamesDefault.
REINDEXER_INDEX_NAMES_DEFAULT = (
    "river_job_args_index",
    "river_job_kind",
    "river_job_metadata_index",
    "river_job_pkey",
    "river_job_prioritized_fetching_index",
    "river_job_state_and_finalized_at_index",
    "river_job_unique_idx",
)
REINDEXER_SCHEDULE_DEFAULT = "0 0 * * *"  # River: daily at midnight UTC
REINDEXER_TIMEOUT_DEFAULT = 60.0  # River's ReindexerTimeoutDefault
JOB_CLEANER_TIMEOUT_DEFAULT = 30.0  # River's JobCleanerTimeoutDefault


def seconds(d: Duration | None) -> float | None:
    if d is None:
        return None
    return d.total_seconds() if isinstance(d, dt.timedelta) else float(d)


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueConfig:
    """How a client works one queue."""

    max_workers: int
    fetch_cooldown: Duration | None = None  # None: the client's
    fetch_poll_interval: Duration | None = None  # None: the client's
    #: Limits on the queue's jobs running at once (``river.ConcurrencyConfig``).
    concurrency: ConcurrencyConfig | None = None

    def validate(self, name: str) -> None:
        try:
            validate_queue_name(name)
        except InvalidQueueError as exc:
            raise ConfigError(str(exc)) from exc
        if not 1 <= self.max_workers <= MAX_WORKERS_LIMIT:
            raise ConfigError(
                f"queue {name!r}: max_workers must be between 1 and {MAX_WORKERS_LIMIT}, "
                f"got {self.max_workers}"
            )
        if self.concurrency is not None and not isinstance(self.concurrency, ConcurrencyConfig):
            raise ConfigError(
                f"queue {name!r}: concurrency must be a river.ConcurrencyConfig, "
                f"got {self.concurrency!r}"
            )


class ErrorHandler:
    """Called when a job raises; return ``ErrorHandlerResult(set_cancelled=True)`` to cancel.

    On ``river.AsyncClient``, ``handle_error`` may be a coroutine function. A handler that
    raises, returns anything else, or is async on a sync ``river.Client`` is logged with its
    name and the job is finalized as if there were no handler.
    """

    def handle_error(
        self, job: Any, error: BaseException
    ) -> ErrorHandlerResult | Awaitable[ErrorHandlerResult | None] | None:
        return None


@dataclass(frozen=True, slots=True)
class ErrorHandlerResult:
    """What an ``ErrorHandler`` decided: ``set_cancelled=True`` cancels the job instead of retrying it."""

    set_cancelled: bool = False


# What a client does with a job that keeps running past its timeout (River's
# ``JobStuckHandler``): a sync job runs in a thread that cannot be killed and an async job
# may swallow its cancellation, so a job can go on running after ``job_timeout`` and keep
# its worker slot. Once such a job is still running ``job_stuck_threshold`` after its
# timeout, the client logs a warning and asks the configured ``JobStuckHandler`` whether to
# open a replacement slot.
JOB_STUCK_THRESHOLD_DEFAULT = 10.0  # River's JobStuckThresholdDefault, in seconds


@dataclass(frozen=True, slots=True, kw_only=True)
class JobStuckHandlerParams:
    """What ``JobStuckHandler.handle_job_stuck`` is told about a stuck job."""

    #: The stuck job's ID.
    id: int
    #: The stuck job's kind.
    kind: str
    #: The queue the stuck job runs in.
    queue: str
    #: How many jobs are stuck in the whole client right now (all queues, this one included).
    total_stuck_jobs: int


@dataclass(frozen=True, slots=True)
class JobStuckHandlerResult:
    """What a ``JobStuckHandler`` decided.

    ``add_worker_slot=True`` stops counting the stuck job against its queue's
    ``max_workers`` so another job can start in its place. The stuck job still runs, so the
    queue may run more jobs than ``max_workers`` until it returns; when it does, the queue
    is back to ``max_workers``.
    """

    add_worker_slot: bool = False


class JobStuckHandler:
    """Called once for each job still running ``job_stuck_threshold`` after its timeout.

    Subclass it and override ``handle_job_stuck``; return
    ``JobStuckHandlerResult(add_worker_slot=True)`` to open a replacement worker slot. It can
    also stop the process when ``params.total_stuck_jobs`` grows too large. On
    ``river.AsyncClient`` it may be a coroutine function. A handler that raises, returns
    anything else, or is async on a sync ``river.Client`` is logged and opens no slot.
    """

    def handle_job_stuck(
        self, params: JobStuckHandlerParams
    ) -> JobStuckHandlerResult | Awaitable[JobStuckHandlerResult | None] | None:
        return None


@dataclass(frozen=True, kw_only=True)
class TestConfig:
    """Settings for test suites only (River's ``TestConfig``).

    ``time``: where the client reads the current time (a ``river.clock.TimeGenerator``
    such as ``river.testing.TimeStub``); None is the system clock. Stubbed, it sets
    inserted jobs' ``created_at``/``scheduled_at``, what a fetch considers due, retry and
    snooze times, periodic jobs' run times and every maintenance service's horizon.

    ``disable_unique_enforcement``: insert every job as if it had no unique options
    (``river.testing.TestWorker`` sets it so parallel tests never conflict).
    """

    __test__ = False  # not a pytest test class

    time: TimeGenerator | None = None
    disable_unique_enforcement: bool = False


@dataclass(kw_only=True)
class Config:
    """Options of ``river.Client`` / ``river.AsyncClient``, with River's defaults."""

    queues: Mapping[str, QueueConfig] = field(default_factory=dict)
    workers: Workers | None = None
    job_timeout: Duration | None = 60.0  # None: no timeout
    max_attempts: int = 25
    retry_policy: RetryPolicy = field(default_factory=DefaultRetryPolicy)
    error_handler: ErrorHandler | None = None
    #: Told about each job still running ``job_stuck_threshold`` after its timeout; it may
    #: open a replacement worker slot (River's ``JobStuckHandler``). None: the client only
    #: logs a warning.
    job_stuck_handler: JobStuckHandler | None = None
    #: How long after its timeout a still-running job counts as stuck (River's
    #: ``JobStuckThreshold``, 10 seconds).
    job_stuck_threshold: Duration = JOB_STUCK_THRESHOLD_DEFAULT
    #: Spaces a producer's fetches while its queue is nearly idle, and a client's insert
    #: notifications per queue: four at once, then one per cooldown (a token bucket). A
    #: notification held back is sent when the next token comes.
    fetch_cooldown: Duration = 0.1
    fetch_poll_interval: Duration = 1.0
    schema: str | None = None
    id: str | None = None
    logger: logging.Logger | None = None
    middleware: Sequence[AnyMiddleware] = ()
    hooks: Sequence[AnyHook] = ()
    #: Objects installed as hooks, middleware, or both, by the classes they subclass
    #: (River's ``Plugins``); they come before ``hooks`` and ``middleware`` in call order.
    plugins: Sequence[AnyHook | AnyMiddleware] = ()
    poll_only: bool = False
    #: How often a producer refreshes its queue's ``river_queue`` row (River: 10 minutes);
    #: the queue cleaner removes rows not refreshed for 24 hours.
    queue_report_interval: Duration = dt.timedelta(minutes=10)
    #: How often a producer that gets no notifications (``poll_only`` or the listener down)
    #: polls its queue's settings and its running jobs' cancel requests (River: 2 seconds);
    #: one that gets them polls once a minute, for any lost while its listener reconnected.
    queue_poll_interval: Duration = 2.0
    skip_unknown_job_check: bool = False
    #: Log a warning instead of raising ``ConfigError`` when a registered worker's kind
    #: does not match River's kind format (River's ``SkipJobKindValidation``).
    skip_job_kind_validation: bool = False
    # None: 1h, or job_timeout + 1h when job_timeout is longer than 1h (River's default).
    rescue_stuck_jobs_after: Duration | None = None
    cancelled_job_retention_period: Duration | None = dt.timedelta(hours=24)
    completed_job_retention_period: Duration | None = dt.timedelta(hours=24)
    discarded_job_retention_period: Duration | None = dt.timedelta(days=7)
    #: How long each delete statement of the job cleaner may run before it is cancelled
    #: (River's ``JobCleanerTimeout``, 30 seconds); the cleaner tries again at its next
    #: run. None lets the statements run as long as they take.
    job_cleaner_timeout: Duration | None = JOB_CLEANER_TIMEOUT_DEFAULT
    periodic_jobs: Sequence[PeriodicJob] = ()
    subscribe_buffer_size: int = 1000
    disabled_plugins: Sequence[str] = ()
    #: How long ``stop`` lets running jobs finish before cancelling them as
    #: ``stop_and_cancel`` does (River's ``SoftStopTimeout``); None waits for them forever.
    soft_stop_timeout: Duration | None = None
    #: When the leader rebuilds River's indexes (River's ``ReindexerSchedule``): a cron
    #: expression or a schedule object such as ``river.cron(...)`` or
    #: ``river.PeriodicInterval(...)``; None is River's default, daily at midnight UTC.
    reindexer_schedule: Schedule | str | None = None
    #: The indexes rebuilt on each run (River's ``ReindexerIndexNames``); None is River's
    #: default list (``river.config.REINDEXER_INDEX_NAMES_DEFAULT``); empty rebuilds none.
    reindexer_index_names: Sequence[str] | None = None
    #: How long one index rebuild may take before it is cancelled (River's
    #: ``ReindexerTimeout``, 1 minute); None lets it run as long as it takes.
    reindexer_timeout: Duration | None = REINDEXER_TIMEOUT_DEFAULT
    #: False turns the reindexer off (River: a ``ReindexerSchedule`` that never fires).
    reindexer_enabled: bool = True
    #: The River release whose unique-job rules inserts follow (``river.UniqueRules`` or
    #: its value): ``"0.43"`` (the default) or ``"0.48"`` (``by_period`` from the scheduled
    #: time, in UTC; ``exclude_kind`` alone refused). Processes sharing unique jobs,
    #: River Go's included, need the same rules.
    unique_rules: UniqueRules | str = UniqueRules.RIVER_0_43

    def _validate_worker_kinds(self) -> None:
        """River checks the format of registered workers' kinds only (not aliases, and
        not inserted kinds)."""
        for kind in self.workers.primary_kinds() if self.workers is not None else ():
            try:
                validate_kind(kind)
            except InvalidKindError as exc:
                if not self.skip_job_kind_validation:
                    raise ConfigError(f"registered worker: {exc}") from None
                (self.logger or logging.getLogger("river")).warning(
                    "job kind %r should match River's kind format; this will be an error in "
                    "future versions", kind
                )
    #: Settings for test suites only (a stubbable clock, unique enforcement off).
    test: TestConfig = field(default_factory=TestConfig)
    #: For test suites (River's ``TestOnly``): the leader's maintenance services start at
    #: once instead of after River's random 0-1s stagger, so starting and stopping a
    #: client in a test is faster. Everything else works as in production.
    test_only: bool = False

    def validate(self) -> None:
        for name, queue in self.queues.items():
            if not isinstance(queue, QueueConfig):
                raise ConfigError(f"queue {name!r}: expected QueueConfig, got {queue!r}")
            queue.validate(name)
        if self.queues and (self.workers is None or len(self.workers) == 0):
            raise ConfigError("queues are configured but no workers are registered")
        self._validate_worker_kinds()
        if not 1 <= self.max_attempts <= 32767:
            raise ConfigError(f"max_attempts must be between 1 and 32767, got {self.max_attempts}")
        timeout = seconds(self.job_timeout)
        if timeout is not None and timeout <= 0:
            raise ConfigError(f"job_timeout must be positive or None, got {self.job_timeout}")
        self._validate_job_stuck()
        if (seconds(self.fetch_cooldown) or 0) < 0.001:
            raise ConfigError("fetch_cooldown must be at least 1ms")
        if (seconds(self.fetch_poll_interval) or 0) < (seconds(self.fetch_cooldown) or 0):
            raise ConfigError("fetch_poll_interval must not be shorter than fetch_cooldown")
        rescue = seconds(self.rescue_stuck_jobs_after)
        if rescue is not None and rescue <= 0:
            raise ConfigError(
                f"rescue_stuck_jobs_after must be positive or None, got {self.rescue_stuck_jobs_after}"
            )
        if rescue is not None and timeout is not None and rescue < timeout:
            # Jobs would be rescued, and run a second time, while still running.
            raise ConfigError(
                f"rescue_stuck_jobs_after ({rescue:g}s) must not be shorter than "
                f"job_timeout ({timeout:g}s)"
            )
        for name in ("queue_report_interval", "queue_poll_interval"):
            if (seconds(getattr(self, name)) or 0) <= 0:
                raise ConfigError(f"{name} must be positive, got {getattr(self, name)}")
        soft_stop = seconds(self.soft_stop_timeout)
        if soft_stop is not None and soft_stop <= 0:
            raise ConfigError(
                f"soft_stop_timeout must be positive or None, got {self.soft_stop_timeout}"
            )
        self.reindexer_schedule_resolved()
        cleaner_timeout = seconds(self.job_cleaner_timeout)
        if cleaner_timeout is not None and cleaner_timeout <= 0:
            raise ConfigError(
                f"job_cleaner_timeout must be positive or None, got {self.job_cleaner_timeout}"
            )
        reindex_timeout = seconds(self.reindexer_timeout)
        if reindex_timeout is not None and reindex_timeout <= 0:
            raise ConfigError(
                f"reindexer_timeout must be positive or None, got {self.reindexer_timeout}"
            )
        if isinstance(self.reindexer_index_names, str) or any(
            not isinstance(n, str) or not n for n in self.reindexer_index_names or ()
        ):
            raise ConfigError(
                "reindexer_index_names must be a list of index names, "
                f"got {self.reindexer_index_names!r}"
            )
        self.unique_rules_resolved()
        if not isinstance(self.test, TestConfig):
            raise ConfigError(f"test must be a river.TestConfig, got {self.test!r}")
        if self.test.time is not None and not isinstance(self.test.time, TimeGenerator):
            raise ConfigError(
                "test.time must have now_utc() and now_utc_or_none() "
                f"(a river.clock.TimeGenerator), got {self.test.time!r}"
            )
        if self.schema is not None:
            validate_schema(self.schema)
        if self.id is not None and not 1 <= len(self.id) <= _CLIENT_ID_MAX:
            raise ConfigError(f"client id must be 1 to {_CLIENT_ID_MAX} characters")

    def _validate_job_stuck(self) -> None:
        handler = self.job_stuck_handler
        if handler is not None and not callable(getattr(handler, "handle_job_stuck", None)):
            raise ConfigError(
                f"job_stuck_handler must have a handle_job_stuck method, got {handler!r}"
            )
        threshold = self.job_stuck_threshold
        if isinstance(threshold, bool) or not isinstance(threshold, dt.timedelta | int | float):
            raise ConfigError(
                f"job_stuck_threshold must be seconds or a timedelta, got {threshold!r}"
            )
        value = seconds(threshold)
        if value is None or not 0 <= value < float("inf"):
            raise ConfigError(f"job_stuck_threshold cannot be less than zero, got {threshold}")

    def job_stuck_threshold_seconds(self) -> float:
        """The stuck threshold in seconds; zero is River's default (10 seconds)."""
        return seconds(self.job_stuck_threshold) or JOB_STUCK_THRESHOLD_DEFAULT

    def client_id(self) -> str:
        return self.id or default_client_id()

    def reindexer_schedule_resolved(self) -> Schedule:
        """The reindexer's schedule as an object (a cron string parsed)."""
        schedule = self.reindexer_schedule
        if schedule is None:
            return cron(REINDEXER_SCHEDULE_DEFAULT)
        if isinstance(schedule, str):
            return cron(schedule)
        if not callable(getattr(schedule, "next", None)):
            raise ConfigError(
                "reindexer_schedule must be a cron expression or an object with "
                f"next(after), got {schedule!r}"
            )
        return schedule

    def unique_rules_resolved(self) -> UniqueRules:
        try:
            return UniqueRules(self.unique_rules)
        except ValueError:
            raise ConfigError(
                "unique_rules must be one of "
                f"{[r.value for r in UniqueRules]} (river.UniqueRules), got {self.unique_rules!r}"
            ) from None

    def reindexer_index_names_resolved(self) -> tuple[str, ...]:
        names = self.reindexer_index_names
        return REINDEXER_INDEX_NAMES_DEFAULT if names is None else tuple(names)

    def rescue_after_seconds(self) -> float:
        explicit = seconds(self.rescue_stuck_jobs_after)
        if explicit is not None:
            return explicit
        timeout = seconds(self.job_timeout)
        if timeout is not None and timeout > RESCUE_AFTER_DEFAULT:
            return timeout + RESCUE_AFTER_DEFAULT
        return RESCUE_AFTER_DEFAULT


def validate_schema(schema: str) -> None:
    # 63 (identifier limit) - 1 (dot) - len("river_leadership"): channel names must fit.
    if not schema or len(schema) > 46 or not _SCHEMA_RE.fullmatch(schema):
        raise ConfigError(
            f"invalid schema name {schema!r}: use letters, digits and underscores, "
            "at most 46 characters"
        )


def default_client_id() -> str:
    host = socket.gethostname().replace(".", "_")[:60]
    now = dt.datetime.now(dt.UTC)
    return f"{host}_{now.strftime('%Y_%m_%dT%H_%M_%S')}_{now.microsecond:06d}"
