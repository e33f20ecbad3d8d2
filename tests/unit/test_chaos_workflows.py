"""The chaos soak's ``workflows`` invariant (``tests.programs.chaos.workflow_violations``)
on workflows written by hand: consistent ones pass, each kind of inconsistency is named."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.programs.chaos import workflow_violations

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def task(
    job_id: int, name: str, state: str, deps: list[str], finalized: float | None,
    wf: str = "w", **flags: Any,
) -> tuple[Any, ...]:
    md = {"workflow_id": wf, "task": name, "deps": deps, **flags}
    return (job_id, state, md, at(finalized) if finalized is not None else None, "[]")


def starts(**by_id: tuple[float, float, int]) -> dict[int, tuple[Any, Any, int]]:
    return {int(k[1:]): (at(a), at(b), n) for k, (a, b, n) in by_id.items()}


def check(tasks: list[Any], ran: dict[int, Any], cancelled: frozenset[int] = frozenset(),
          wfs_cancelled: frozenset[str] = frozenset()) -> list[str]:
    return workflow_violations(tasks, ran, set(cancelled), set(wfs_cancelled))[0]


def test_a_consistent_diamond_with_a_failure_passes() -> None:
    tasks = [
        task(1, "root", "completed", [], 1),
        task(2, "fan0", "discarded", ["root"], 3),
        task(3, "fan1", "completed", ["root"], 3),
        task(4, "join", "cancelled", ["fan0", "fan1"], 3, workflow_cancelled_by_dep=True),
        task(5, "ignoring", "completed", ["fan0", "fan1"], 5, ignore_discarded_deps=True),
    ]
    ran = starts(j1=(0, 0, 1), j2=(2, 2.5, 2), j3=(2, 2, 1), j5=(4, 4, 1))
    assert check(tasks, ran) == []
    _, detail = workflow_violations(tasks, ran, set(), set())
    assert detail["workflows"] == 1 and detail["tasks"] == 5


def test_each_inconsistency_is_named() -> None:
    tasks = [
        task(1, "root", "discarded", [], 1),
        task(2, "completed_anyway", "completed", ["root"], 3),
        task(3, "early", "completed", ["ok"], 5),
        task(4, "ok", "completed", [], 4),
        task(5, "waiting", "pending", ["ok"], None),
        task(6, "cancelled_for_nothing", "cancelled", ["ok"], 6),
        task(7, "ran_then_cancelled", "cancelled", ["root"], 6, workflow_cancelled_by_dep=True),
        task(8, "again", "completed", [], 2),
    ]
    ran = starts(j1=(0, 0.5, 2), j2=(2, 2, 1), j3=(3, 3, 1), j4=(3.5, 3.5, 1),
                 j7=(5, 5, 1), j8=(1, 7, 2))
    found = "\n".join(check(tasks, ran))
    assert "w/completed_anyway (job 2, completed) completed with dependencies ['root discarded']" in found
    assert "w/early (job 3, completed) started before its dependency ok finished" in found
    assert "w/waiting (job 5, pending) not finished" in found
    assert "w/cancelled_for_nothing (job 6, cancelled) cancelled with none" in found
    assert "w/ran_then_cancelled (job 7, cancelled) cancelled by dependencies" in found
    assert "w/again (job 8, completed) started again after it completed" in found


def test_a_cancel_asked_for_allows_cancelled_tasks() -> None:
    tasks = [task(1, "a", "cancelled", [], 1), task(2, "b", "cancelled", ["a"], 1)]
    assert check(tasks, {}) != []
    assert check(tasks, {}, wfs_cancelled=frozenset({"w"})) == []
    assert check(tasks[:1], {}, cancelled=frozenset({1})) == []


def test_a_deleted_dependency_dooms_its_dependent() -> None:
    tasks = [task(2, "b", "completed", ["gone"], 2)]
    assert check(tasks, starts(j2=(1, 1, 1))) == [
        "w/b (job 2, completed) completed with dependencies ['gone deleted']",
        "w/b (job 2, completed) ran 1 times with dependencies ['gone deleted']",
    ]
