"""The workflow graph's layout (pure): columns by depth, rows ordered against crossings,
and stored oddities (unknown dependencies, cycles, repeated names) laid out, not fatal."""

from __future__ import annotations

import datetime as dt
import json

from river.types import JobRow, JobState
from river.ui.dag import COLUMN_GAP, MARGIN, NODE_WIDTH, depths, layout
from river.workflow import WorkflowTaskInfo

_ids = iter(range(1, 1_000_000))


def _task(name: str, *deps: str, state: JobState = JobState.PENDING) -> WorkflowTaskInfo:
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    row = JobRow(
        id=next(_ids), attempt=0, attempted_at=None, attempted_by=[], created_at=now,
        encoded_args="{}", errors=[], finalized_at=None, kind="k", max_attempts=25,
        metadata=json.loads(json.dumps({"task": name, "deps": list(deps)})), priority=1,
        queue="default", state=state, scheduled_at=now, tags=[],
    )
    return WorkflowTaskInfo(name, tuple(deps), row)


def _columns(tasks: list[WorkflowTaskInfo]) -> dict[str, int]:
    return {n.name: n.column for n in layout(tasks).nodes}


def test_columns_are_the_longest_chain_of_dependencies() -> None:
    tasks = [
        _task("extract", state=JobState.COMPLETED),
        _task("a", "extract"),
        _task("b", "extract"),
        _task("load", "a", "b"),
        _task("report", "load", "extract"),  # its deepest dependency decides
    ]
    dag = layout(tasks)
    assert _columns(tasks) == {"extract": 0, "a": 1, "b": 1, "load": 2, "report": 3}
    assert {n.name: n.x for n in dag.nodes}["report"] == MARGIN + 3 * (NODE_WIDTH + COLUMN_GAP)
    assert [(e.source, e.target) for e in dag.edges] == [
        ("extract", "a"), ("extract", "b"), ("a", "load"), ("b", "load"),
        ("load", "report"), ("extract", "report"),
    ]
    assert dag.edges[0].state == "completed" and dag.edges[2].state == "pending"
    assert dag.width == 2 * MARGIN + 4 * NODE_WIDTH + 3 * COLUMN_GAP
    assert not dag.missing and not dag.cyclic


def test_rows_follow_their_dependencies() -> None:
    # y2 depends on the second root and y1 on the first: rows follow them, not insert order.
    tasks = [_task("r1"), _task("r2"), _task("y2", "r2"), _task("y1", "r1")]
    rows = {n.name: n.row for n in layout(tasks).nodes}
    assert rows == {"r1": 0, "r2": 1, "y1": 0, "y2": 1}


def test_unknown_dependencies_cycles_and_repeated_names_do_not_break_the_layout() -> None:
    tasks = [
        _task("a", "ghost"),
        _task("b", "c"),
        _task("c", "b"),
        _task("d", "c"),  # waits for the cycle
        _task("self", "self"),
        _task("a", "a"),  # a repeated name: "a" means the first
    ]
    dag = layout(tasks)
    assert dag.missing == [("a", "ghost")]
    assert dag.cyclic == ["b", "c", "d", "self"]
    assert [n.column for n in dag.nodes] == [0, 2, 2, 2, 2, 1]
    assert len(dag.nodes) == 6 and len(dag.edges) == 5
    assert dag.height > 0


def test_depths_of_a_long_chain_without_recursion() -> None:
    tasks = [_task("t0"), *(_task(f"t{i}", f"t{i - 1}") for i in range(1, 5_000))]
    column, cyclic = depths(tasks)
    assert column[-1] == 4_999 and cyclic == []


def test_labels_are_clipped_and_show_bidi_controls() -> None:
    [node] = layout([_task("\u202e" + "x" * 40)]).nodes
    assert node.label.startswith("<U+202E>") and node.label.endswith("…")
    assert len(node.label) == 20
    [unnamed] = layout([_task("")]).nodes
    assert unnamed.label == "(unnamed)"
