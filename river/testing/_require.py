# WARNING: this file is generated from '_require_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""Assertions about inserted jobs (River's ``rivertest.RequireInserted`` family).

Each raises ``AssertionError`` with a message naming what differed, so it reads well in
pytest or unittest. ``args`` is a job args class or instance (its ``kind`` is used);
``driver`` is a river driver, or a client (whose driver and schema are then used).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from river.driver.executor import Executor
from river.driver.params import JobListParams
from river.driver.tx_adapters import resolve_tx
from river.job_args import decode_args, kind_of
from river.testing._opts import ExpectedJob, RequireInsertedOpts, mismatches
from river.types import JobRow
from river.worker import Job

T = TypeVar("T")
_LIMIT = 10000


def require_inserted(
    driver: Any,
    args: type[T] | T,
    opts: RequireInsertedOpts | None = None,
    *,
    schema: str | None = None,
) -> Job[T]:
    """Exactly one job of ``args``' kind exists, matching ``opts``; returns it decoded."""
    return _require_inserted(_executor(driver, None, schema), args, opts)


def require_inserted_tx(
    driver: Any,
    tx: Any,
    args: type[T] | T,
    opts: RequireInsertedOpts | None = None,
    *,
    schema: str | None = None,
) -> Job[T]:
    """``require_inserted`` seen from inside the caller's transaction ``tx``."""
    return _require_inserted(_executor(driver, tx, schema), args, opts)


def require_not_inserted(
    driver: Any, args: Any, opts: RequireInsertedOpts | None = None, *, schema: str | None = None
) -> None:
    """No job of ``args``' kind exists that matches every option set in ``opts``."""
    _require_not_inserted(_executor(driver, None, schema), args, opts)


def require_not_inserted_tx(
    driver: Any,
    tx: Any,
    args: Any,
    opts: RequireInsertedOpts | None = None,
    *,
    schema: str | None = None,
) -> None:
    """``require_not_inserted`` seen from inside the caller's transaction ``tx``."""
    _require_not_inserted(_executor(driver, tx, schema), args, opts)


def require_many_inserted(
    driver: Any, expected: Sequence[ExpectedJob], *, schema: str | None = None
) -> list[JobRow]:
    """The jobs of the expected kinds are exactly ``expected``, in insertion order."""
    return _require_many_inserted(_executor(driver, None, schema), expected)


def require_many_inserted_tx(
    driver: Any, tx: Any, expected: Sequence[ExpectedJob], *, schema: str | None = None
) -> list[JobRow]:
    """``require_many_inserted`` seen from inside the caller's transaction ``tx``."""
    return _require_many_inserted(_executor(driver, tx, schema), expected)


def _executor(driver: Any, tx: Any, schema: str | None) -> Executor:
    """An executor of ``driver``, which may also be a client (its driver and schema)."""
    if hasattr(driver, "driver") and hasattr(driver, "config"):
        schema = schema or driver.config.schema
        driver = driver.driver
    if tx is None:
        executor: Executor = driver.get_executor(schema)
    else:
        executor = driver.unwrap_executor(resolve_tx(driver, tx), schema)
    return executor


def _jobs_of_kinds(executor: Executor, kinds: Sequence[str]) -> list[JobRow]:
    rows: list[JobRow] = executor.job_list(
        JobListParams(kinds=list(dict.fromkeys(kinds)), limit=_LIMIT)
    )
    return rows


def _require_inserted(executor: Executor, args: Any, opts: RequireInsertedOpts | None) -> Job[Any]:
    kind = kind_of(args)
    jobs = _jobs_of_kinds(executor, [kind])
    if len(jobs) != 1:
        raise AssertionError(
            f"River assertion failure: expected to find exactly one job of kind {kind!r}, found {len(jobs)}"
        )
    row = jobs[0]
    if opts is not None:
        problems = mismatches(row, opts)
        if problems:
            raise AssertionError(
                f"River assertion failure: job {row.id} of kind {kind!r}: " + "; ".join(problems)
            )
    args_type = args if isinstance(args, type) else type(args)
    return Job(row, decode_args(args_type, row.encoded_args))


def _require_not_inserted(executor: Executor, args: Any, opts: RequireInsertedOpts | None) -> None:
    kind = kind_of(args)
    for row in _jobs_of_kinds(executor, [kind]):
        if opts is None:
            raise AssertionError(
                f"River assertion failure: expected no job of kind {kind!r}, found job {row.id}"
            )
        if not mismatches(row, opts):
            raise AssertionError(
                f"River assertion failure: expected no job of kind {kind!r} matching {opts.describe()}, found job {row.id}"
            )


def _require_many_inserted(executor: Executor, expected: Sequence[ExpectedJob]) -> list[JobRow]:
    kinds = [kind_of(e.args) for e in expected]
    jobs = _jobs_of_kinds(executor, kinds)
    found = [j.kind for j in jobs]
    if found != kinds:
        raise AssertionError(
            f"River assertion failure: expected jobs of kinds {kinds}, found {found}"
        )
    for i, (row, exp) in enumerate(zip(jobs, expected, strict=True)):
        if exp.opts is not None:
            problems = mismatches(row, exp.opts)
            if problems:
                raise AssertionError(
                    f"River assertion failure: expected job {i} (id {row.id}, kind {row.kind!r}): "
                    + "; ".join(problems)
                )
    return jobs
