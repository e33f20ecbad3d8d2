"""Assertions about inserted jobs (River's ``rivertest.RequireInserted`` family).

Each raises ``AssertionError`` with a message naming what differed, so it reads well in
pytest or unittest. ``args`` is a job args class or instance (its ``kind`` is used);
``driver`` is a river driver, or a client (whose driver and schema are then used).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from river.driver.executor_async import AsyncExecutor
from river.driver.params import JobListParams
from river.driver.tx_adapters import resolve_tx_async
from river.job_args import decode_args, kind_of
from river.testing._opts import ExpectedJob, RequireInsertedOpts, mismatches
from river.types import JobRow
from river.worker import Job

T = TypeVar("T")
_LIMIT = 10_000


async def require_inserted(
    driver: Any,
    args: type[T] | T,
    opts: RequireInsertedOpts | None = None,
    *,
    schema: str | None = None,
) -> Job[T]:
    """Exactly one job of ``args``' kind exists, matching ``opts``; returns it decoded."""
    return await _require_inserted(await _executor(driver, None, schema), args, opts)


async def require_inserted_tx(
    driver: Any,
    tx: Any,
    args: type[T] | T,
    opts: RequireInsertedOpts | None = None,
    *,
    schema: str | None = None,
) -> Job[T]:
    """``require_inserted`` seen from inside the caller's transaction ``tx``."""
    return await _require_inserted(await _executor(driver, tx, schema), args, opts)


async def require_not_inserted(
    driver: Any,
    args: Any,
    opts: RequireInsertedOpts | None = None,
    *,
    schema: str | None = None,
) -> None:
    """No job of ``args``' kind exists that matches every option set in ``opts``."""
    await _require_not_inserted(await _executor(driver, None, schema), args, opts)


async def require_not_inserted_tx(
    driver: Any,
    tx: Any,
    args: Any,
    opts: RequireInsertedOpts | None = None,
    *,
    schema: str | None = None,
) -> None:
    """``require_not_inserted`` seen from inside the caller's transaction ``tx``."""
    await _require_not_inserted(await _executor(driver, tx, schema), args, opts)


async def require_many_inserted(
    driver: Any, expected: Sequence[ExpectedJob], *, schema: str | None = None
) -> list[JobRow]:
    """The jobs of the expected kinds are exactly ``expected``, in insertion order."""
    return await _require_many_inserted(await _executor(driver, None, schema), expected)


async def require_many_inserted_tx(
    driver: Any, tx: Any, expected: Sequence[ExpectedJob], *, schema: str | None = None
) -> list[JobRow]:
    """``require_many_inserted`` seen from inside the caller's transaction ``tx``."""
    return await _require_many_inserted(await _executor(driver, tx, schema), expected)


async def _executor(driver: Any, tx: Any, schema: str | None) -> AsyncExecutor:
    """An executor of ``driver``, which may also be a client (its driver and schema)."""
    if hasattr(driver, "driver") and hasattr(driver, "config"):
        schema = schema or driver.config.schema
        driver = driver.driver
    if tx is None:
        executor: AsyncExecutor = driver.get_executor(schema)
    else:
        executor = driver.unwrap_executor(await resolve_tx_async(driver, tx), schema)
    return executor


async def _jobs_of_kinds(executor: AsyncExecutor, kinds: Sequence[str]) -> list[JobRow]:
    rows: list[JobRow] = await executor.job_list(
        JobListParams(kinds=list(dict.fromkeys(kinds)), limit=_LIMIT)
    )
    return rows


async def _require_inserted(
    executor: AsyncExecutor, args: Any, opts: RequireInsertedOpts | None
) -> Job[Any]:
    kind = kind_of(args)
    jobs = await _jobs_of_kinds(executor, [kind])
    if len(jobs) != 1:
        raise AssertionError(
            f"River assertion failure: expected to find exactly one job of kind {kind!r}, "
            f"found {len(jobs)}"
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


async def _require_not_inserted(
    executor: AsyncExecutor, args: Any, opts: RequireInsertedOpts | None
) -> None:
    kind = kind_of(args)
    for row in await _jobs_of_kinds(executor, [kind]):
        if opts is None:
            raise AssertionError(
                f"River assertion failure: expected no job of kind {kind!r}, found job {row.id}"
            )
        if not mismatches(row, opts):
            raise AssertionError(
                f"River assertion failure: expected no job of kind {kind!r} matching "
                f"{opts.describe()}, found job {row.id}"
            )


async def _require_many_inserted(
    executor: AsyncExecutor, expected: Sequence[ExpectedJob]
) -> list[JobRow]:
    kinds = [kind_of(e.args) for e in expected]
    jobs = await _jobs_of_kinds(executor, kinds)
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
                    f"River assertion failure: expected job {i} (id {row.id}, kind "
                    f"{row.kind!r}): " + "; ".join(problems)
                )
    return jobs
