"""Hooks and middleware declared by job args types (River's ``JobArgsWithHooks`` and
``JobArgsWithPlugins``): their order against the client's and the worker's, that they run
only for their kind, the per-kind caching, colour checks, and the test worker harness."""

from __future__ import annotations

import datetime as dt
import inspect
import json
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

import river
from river.driver.params import JobInsertFastParams, JobInsertResult
from river.middleware import PeriodicJobsStartParams
from river.testing import AsyncTestWorker
from tests._client_helpers_async import make_config, started, user_tx, wait_for, wait_for_state

pytestmark = pytest.mark.anyio

#: What each hook and middleware saw, by job kind ("insert" for insert batches).
LOG: defaultdict[str, list[str]] = defaultdict(list)
#: How often each args type's declarations were read.
CALLS: defaultdict[str, int] = defaultdict(int)


@pytest.fixture(autouse=True)
def _clear_log() -> None:
    LOG.clear()
    CALLS.clear()


class Recorder(river.AsyncHook):
    def __init__(self, name: str) -> None:
        self.name = name

    async def insert_begin(self, params: JobInsertFastParams) -> None:
        LOG["insert"].append(f"{self.name}.insert_begin:{params.kind}")

    async def work_begin(self, job: river.JobRow) -> None:
        LOG[job.kind].append(f"{self.name}.work_begin")

    async def work_end(
        self, job: river.JobRow, error: BaseException | None
    ) -> BaseException | None:
        LOG[job.kind].append(f"{self.name}.work_end")
        return error

    def metric_emit(self, metric: river.Metric) -> None:
        LOG["metric"].append(self.name)

    async def periodic_jobs_start(self, params: PeriodicJobsStartParams) -> None:
        kinds = [job.constructor().kind for job in params.periodic_jobs]
        LOG["periodic"].append(f"{self.name}:{kinds} after {len(LOG['insert'])} inserts")


class Tracer(river.AsyncWorkerMiddleware):
    def __init__(self, name: str) -> None:
        self.name = name

    async def work(self, job: river.JobRow, call_next: Callable[[], Awaitable[None]]) -> None:
        LOG[job.kind].append(f"{self.name}>")
        await call_next()
        LOG[job.kind].append(f"<{self.name}")


class InsertTracer(river.AsyncInsertMiddleware):
    def __init__(self, name: str) -> None:
        self.name = name

    async def insert_many(
        self,
        params: Sequence[JobInsertFastParams],
        call_next: Callable[[Sequence[JobInsertFastParams]], Awaitable[list[JobInsertResult]]],
    ) -> list[JobInsertResult]:
        LOG["insert"].append(f"{self.name}>{len(params)}")
        for p in params:
            p.tags = [*p.tags, self.name]
        results = await call_next(params)
        LOG["insert"].append(f"<{self.name}")
        return results


class Plugin(Recorder, InsertTracer, Tracer):
    """One object that is a hook, insert middleware and worker middleware at once."""


@dataclass
class HookedArgs:
    kind = "hooked"
    fail: bool = False

    @classmethod
    def hooks(cls) -> list[Any]:
        CALLS["hooks"] += 1
        return [Recorder("args")]

    @classmethod
    def plugins(cls) -> list[Any]:
        CALLS["plugins"] += 1
        return [Plugin("plugin")]


@dataclass
class PlainArgs:
    kind = "plain"


class HookedWorker(river.AsyncWorker[HookedArgs]):
    async def work(self, job: river.Job[HookedArgs]) -> None:
        LOG[job.kind].append("work")
        if job.args.fail:
            raise ValueError("failing")

    def middleware(self, job: river.JobRow) -> Sequence[Any]:
        return [Tracer("worker")]

    def hooks(self, job: river.JobRow) -> Sequence[Any]:
        return [Recorder("worker_hook")]


class PlainWorker(river.AsyncWorker[PlainArgs]):
    async def work(self, job: river.Job[PlainArgs]) -> None:
        LOG[job.kind].append("work")


def _workers(*workers: Any) -> river.Workers:
    registry = river.Workers()
    for worker in workers:
        registry.add(worker)
    return registry


HOOKED_WORK = [
    "outer>", "plugin>", "worker>",
    "global.work_begin", "plugin.work_begin", "args.work_begin", "worker_hook.work_begin",
    "work",
    "global.work_end", "plugin.work_end", "args.work_end", "worker_hook.work_end",
    "<worker", "<plugin", "<outer",
]


async def test_args_hooks_and_middleware_run_in_rivers_order_for_their_kind_only(
    adriver: Any, schema: str
) -> None:
    config = make_config(
        schema, _workers(HookedWorker(), PlainWorker()),
        middleware=[Tracer("outer"), InsertTracer("outer_insert")],
        hooks=[Recorder("global")],
        # One job at a time: the log of one kind's two jobs must not interleave.
        queues={"default": river.QueueConfig(max_workers=1)},
    )
    client = river.AsyncClient(adriver, config)
    async with started(client):
        results = await client.insert_many([PlainArgs(), HookedArgs(), PlainArgs()])
        for r in results:
            await wait_for_state(client, r.job.id, river.JobState.COMPLETED)
    # Insert middleware: the client's, then the batch's kinds' (once per batch); insert
    # hooks innermost, per job: the client's, then the kind's (plugins', then hooks()).
    assert LOG["insert"] == [
        "outer_insert>3", "plugin>3",
        "global.insert_begin:plain",
        "global.insert_begin:hooked", "plugin.insert_begin:hooked", "args.insert_begin:hooked",
        "global.insert_begin:plain",
        "<plugin", "<outer_insert",
    ]
    assert [r.job.tags for r in results] == [["outer_insert", "plugin"]] * 3
    assert LOG["hooked"] == HOOKED_WORK
    # The other kind sees only the client's hooks and middleware.
    assert LOG["plain"] == [
        "outer>", "global.work_begin", "work", "global.work_end", "<outer",
    ] * 2
    # Metrics go to the client's hooks only, never to a kind's.
    assert LOG["metric"] and set(LOG["metric"]) == {"global"}
    # Read once per kind, when the client was built, however many jobs followed.
    assert CALLS == {"hooks": 1, "plugins": 1}


async def test_args_insert_middleware_wraps_only_batches_with_its_kind(
    adriver: Any, schema: str
) -> None:
    client = river.AsyncClient(adriver, make_config(schema, river.Workers(), queues={}))
    await client.insert_many([PlainArgs(), PlainArgs()])
    assert LOG["insert"] == []
    assert await client.insert_many_fast([PlainArgs(), HookedArgs(), HookedArgs()]) == 3
    one = await client.insert(HookedArgs())
    assert LOG["insert"] == [
        "plugin>3",
        "plugin.insert_begin:hooked", "args.insert_begin:hooked",
        "plugin.insert_begin:hooked", "args.insert_begin:hooked",
        "<plugin",
        "plugin>1", "plugin.insert_begin:hooked", "args.insert_begin:hooked", "<plugin",
    ]
    assert one.job.tags == ["plugin"]
    rows = await client.job_list(river.JobListParams(limit=10))
    assert sorted(tuple(r.tags) for r in rows) == [(), (), ("plugin",), ("plugin",), ("plugin",), ("plugin",)]
    assert CALLS == {"hooks": 1, "plugins": 1}


async def test_args_hooks_run_under_the_test_worker(adriver: Any, schema: str) -> None:
    harness = AsyncTestWorker(
        adriver, HookedWorker(), river.Config(schema=schema, hooks=[Recorder("global")])
    )
    async with user_tx(adriver, rollback=True) as tx:
        result = await harness.work(tx, HookedArgs())
        assert result.event_kind is river.EventKind.JOB_COMPLETED
        assert LOG["insert"] == [
            "plugin>1",
            "global.insert_begin:hooked", "plugin.insert_begin:hooked", "args.insert_begin:hooked",
            "<plugin",
        ]
        # The harness has no client middleware besides river's own, which logs nothing.
        assert LOG["hooked"] == [e for e in HOOKED_WORK if e not in ("outer>", "<outer")]

        LOG.clear()
        failed = await harness.work(tx, HookedArgs(fail=True))
        assert failed.event_kind is river.EventKind.JOB_FAILED
        assert isinstance(failed.error, ValueError)
        assert "args.work_end" in LOG["hooked"]


async def test_periodic_jobs_start_runs_on_client_hooks_before_the_first_periodic_insert(
    adriver: Any, schema: str
) -> None:
    job = river.PeriodicJob(
        river.PeriodicInterval(dt.timedelta(minutes=15)), lambda: HookedArgs(), run_on_start=True,
    )
    config = make_config(
        schema, _workers(HookedWorker()), hooks=[Recorder("global")], periodic_jobs=[job]
    )
    client = river.AsyncClient(adriver, config)
    async with started(client):
        await wait_for(_hooked_worked, timeout=15)
    # Called once for the leadership term, on the client's hooks only (the kind's hooks
    # get no periodic_jobs_start), before the enqueuer inserted anything.
    assert LOG["periodic"] == ["global:['hooked'] after 0 inserts"]
    assert LOG["insert"][:2] == ["plugin>1", "global.insert_begin:hooked"]


async def _hooked_worked() -> bool:
    return "work" in LOG["hooked"]


def _other(name: str) -> Any:
    # Spelled out so the sync twin keeps the other colour (the generator renames names).
    is_async = inspect.iscoroutinefunction(PlainWorker.work)
    return getattr(river, name if is_async else "".join(["Async", name]))


async def test_a_hook_of_the_other_colour_is_a_typed_error_naming_it(
    adriver: Any, schema: str
) -> None:
    class OtherColourHook(_other("Hook")):  # type: ignore[misc]
        pass

    @dataclass
    class WrongArgs:
        kind = "wrong_colour"

        @classmethod
        def hooks(cls) -> list[Any]:
            return [OtherColourHook()]

    class WrongWorker(river.AsyncWorker[WrongArgs]):
        async def work(self, job: river.Job[WrongArgs]) -> None:
            return None

    with pytest.raises(river.WrongColourError, match=r"OtherColourHook from WrongArgs\.hooks\(\)"):
        river.AsyncClient(adriver, make_config(schema, _workers(WrongWorker())))
    # Without a worker for the kind, the insert is refused and nothing is written.
    client = river.AsyncClient(adriver, make_config(schema, river.Workers(), queues={}))
    with pytest.raises(river.WrongColourError, match="OtherColourHook"):
        await client.insert_many([PlainArgs(), WrongArgs()])
    assert await client.job_list(river.JobListParams(limit=10)) == []


async def test_declarations_must_be_classmethods_of_hooks(adriver: Any, schema: str) -> None:
    @dataclass
    class PerJobArgs:
        kind = "per_job"

        def hooks(self) -> list[Any]:
            return [Recorder("args")]

    @dataclass
    class NotAHookArgs:
        kind = "not_a_hook"

        @classmethod
        def plugins(cls) -> list[Any]:
            return ["not a hook"]

    @dataclass
    class FieldsArgs:
        kind = "fields_named_so"
        hooks: str = "a field, not a declaration"
        plugins: int = 0

    client = river.AsyncClient(adriver, make_config(schema, river.Workers(), queues={}))
    fields = await client.insert(FieldsArgs())
    assert json.loads(fields.job.encoded_args) == {
        "hooks": "a field, not a declaration", "plugins": 0,
    }
    await client.job_delete(fields.job.id)
    with pytest.raises(river.ConfigError, match=r"PerJobArgs\.hooks must be a @classmethod"):
        await client.insert(PerJobArgs())
    with pytest.raises(river.ConfigError, match=r"str from NotAHookArgs\.plugins\(\) is not"):
        await client.insert(NotAHookArgs())
    assert await client.job_list(river.JobListParams(limit=10)) == []


async def test_config_plugins_act_as_hooks_and_middleware_before_the_others(
    adriver: Any, schema: str
) -> None:
    """River's ``Config.Plugins``: one object installed in every role it subclasses,
    ahead of ``Config.hooks`` and ``Config.middleware``."""
    config = make_config(
        schema, _workers(PlainWorker()),
        plugins=[Plugin("cfg_plugin")],
        middleware=[Tracer("outer")],
        hooks=[Recorder("global")],
    )
    client = river.AsyncClient(adriver, config)
    async with started(client):
        result = await client.insert(PlainArgs())
        await wait_for_state(client, result.job.id, river.JobState.COMPLETED)
    assert LOG["insert"] == [
        "cfg_plugin>1",
        "cfg_plugin.insert_begin:plain", "global.insert_begin:plain",
        "<cfg_plugin",
    ]
    assert LOG["plain"] == [
        "cfg_plugin>", "outer>",
        "cfg_plugin.work_begin", "global.work_begin",
        "work",
        "cfg_plugin.work_end", "global.work_end",
        "<outer", "<cfg_plugin",
    ]
    assert LOG["metric"] and set(LOG["metric"]) == {"cfg_plugin", "global"}


async def test_config_plugins_of_the_other_colour_are_refused(adriver: Any, schema: str) -> None:
    class OtherColourPlugin(_other("Hook")):  # type: ignore[misc]
        pass

    with pytest.raises(river.WrongColourError, match="OtherColourPlugin"):
        river.AsyncClient(
            adriver, make_config(schema, _workers(PlainWorker()), plugins=[OtherColourPlugin()])
        )
