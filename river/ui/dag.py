"""A workflow's tasks laid out as a graph for the workflow page's SVG: each task a box in
the column of its depth (the longest chain of dependencies before it), each dependency an
edge from the dependency's box to the dependent's.

Tasks are read as stored, so the layout takes whatever another client wrote: a
dependency naming no task of the workflow is listed instead of drawn, a dependency cycle
(impossible through ``Workflow`` but storable by hand) places its tasks after those it
can, and two tasks with one name are both drawn (the first by id is the one dependencies
mean, as in the promotion statement).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from river.ui.present import bidi
from river.workflow import WorkflowTaskInfo

NODE_WIDTH = 168
NODE_HEIGHT = 44
COLUMN_GAP = 72
ROW_GAP = 16
MARGIN = 12
#: Characters of a task name shown in its box; the full name is in the box's title.
LABEL_CHARS = 20
#: A workflow with more tasks than this is shown as its table only.
MAX_DRAWN = 300


@dataclass(frozen=True)
class Node:
    name: str
    label: str
    state: str
    job_id: int
    column: int
    row: int
    x: float
    y: float


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    #: SVG path data: a curve from the right side of the source to the left of the target.
    path: str
    #: The dependency's state (a finished, failed or waiting dependency reads differently).
    state: str


@dataclass(frozen=True)
class Dag:
    nodes: list[Node]
    edges: list[Edge]
    width: int
    height: int
    #: (task, dependency) pairs whose dependency names no task of the workflow.
    missing: list[tuple[str, str]]
    #: Tasks on a dependency cycle or waiting for one (stored by hand: a ``Workflow``
    #: refuses cycles); they can never run.
    cyclic: list[str]
    node_width: int = NODE_WIDTH
    node_height: int = NODE_HEIGHT


def depths(tasks: Sequence[WorkflowTaskInfo]) -> tuple[list[int], list[int]]:
    """Each task's column (0 without dependencies, else one more than its deepest
    dependency) and the indexes of the tasks left on a cycle; linear in tasks and edges."""
    first: dict[str, int] = {}
    for i, task in enumerate(tasks):
        first.setdefault(task.name, i)
    deps = [
        sorted({first[d] for d in t.deps if d in first}) for t in tasks
    ]
    dependents: list[list[int]] = [[] for _ in tasks]
    waiting = [len(d) for d in deps]
    for i, ds in enumerate(deps):
        for d in ds:
            dependents[d].append(i)
    depth = [0] * len(tasks)
    ready = deque(i for i, n in enumerate(waiting) if n == 0)
    done = [False] * len(tasks)
    while ready:
        i = ready.popleft()
        done[i] = True
        for j in dependents[i]:
            depth[j] = max(depth[j], depth[i] + 1)
            waiting[j] -= 1
            if waiting[j] == 0:
                ready.append(j)
    cyclic = [i for i, d in enumerate(done) if not d]
    if cyclic:  # after everything placed, in insert order
        column = max(depth, default=0) + 1
        for i in cyclic:
            depth[i] = column
    return depth, cyclic


def layout(tasks: Sequence[WorkflowTaskInfo]) -> Dag:
    """Boxes in columns by depth, ordered in each column by the mean row of their
    dependencies (fewer crossings), then by insert order."""
    column_of, cyclic = depths(tasks)
    first: dict[str, int] = {}
    for i, task in enumerate(tasks):
        first.setdefault(task.name, i)
    columns: dict[int, list[int]] = {}
    for i, c in enumerate(column_of):
        columns.setdefault(c, []).append(i)
    row_of = [0] * len(tasks)

    def weight(i: int) -> tuple[float, int]:
        rows = [
            row_of[first[d]] for d in tasks[i].deps
            if d in first and column_of[first[d]] < column_of[i]
        ]
        return (sum(rows) / len(rows) if rows else float(i), i)

    for c in sorted(columns):
        members = sorted(columns[c], key=weight)
        columns[c] = members
        for row, i in enumerate(members):
            row_of[i] = row
    nodes = [
        Node(
            name=task.name,
            label=_label(task.name),
            state=task.state.value,
            job_id=task.job.id,
            column=column_of[i],
            row=row_of[i],
            x=MARGIN + column_of[i] * (NODE_WIDTH + COLUMN_GAP),
            y=MARGIN + row_of[i] * (NODE_HEIGHT + ROW_GAP),
        )
        for i, task in enumerate(tasks)
    ]
    edges: list[Edge] = []
    missing: list[tuple[str, str]] = []
    for i, task in enumerate(tasks):
        for dep in dict.fromkeys(task.deps):
            j = first.get(dep)
            if j is None:
                missing.append((task.name, dep))
            else:
                edges.append(Edge(dep, task.name, _curve(nodes[j], nodes[i]), nodes[j].state))
    n_columns = max(column_of, default=0) + 1
    n_rows = max((len(m) for m in columns.values()), default=1)
    return Dag(
        nodes=nodes,
        edges=edges,
        width=2 * MARGIN + n_columns * NODE_WIDTH + (n_columns - 1) * COLUMN_GAP,
        # room below for the loops of a cycle's edges
        height=2 * MARGIN + n_rows * NODE_HEIGHT + (n_rows - 1) * ROW_GAP
        + (NODE_HEIGHT if cyclic else 0),
        missing=missing,
        cyclic=[tasks[i].name for i in cyclic],
    )


def _label(name: str) -> str:
    text = bidi(name) if name else "(unnamed)"
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def _curve(source: Node, target: Node) -> str:
    """From the source's right side to the target's left; a dependency in the same or a
    later column (only on a cycle) loops around below."""
    x1, y1 = source.x + NODE_WIDTH, source.y + NODE_HEIGHT / 2
    x2, y2 = target.x, target.y + NODE_HEIGHT / 2
    if x2 > x1:
        mid = (x1 + x2) / 2
        return f"M{x1:g},{y1:g} C{mid:g},{y1:g} {mid:g},{y2:g} {x2:g},{y2:g}"
    bend = max(y1, y2) + NODE_HEIGHT
    return f"M{x1:g},{y1:g} C{x1 + COLUMN_GAP:g},{bend:g} {x2 - COLUMN_GAP:g},{bend:g} {x2:g},{y2:g}"
