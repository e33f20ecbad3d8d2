"""Building a workflow (pure): names, dependencies, cycles and the stored metadata."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

import river


@dataclass
class A:
    kind = "wf_a"


def test_metadata_and_pending_of_each_task() -> None:
    wf = river.Workflow("etl", id="wf-1")
    a = wf.add("extract", A(), river.InsertOpts(metadata={"mine": 1}, queue="q"))
    wf.add("load", A(), deps=[a, "extract"], ignore_cancelled_deps=True)
    first, second = wf.insert_params()
    assert first.opts is not None and second.opts is not None
    assert first.opts.pending is False and second.opts.pending is True
    assert first.opts.queue == "q"
    assert first.opts.metadata == {
        "mine": 1, "workflow_id": "wf-1", "workflow_name": "etl", "task": "extract", "deps": [],
    }
    assert second.opts.metadata is not None
    assert second.opts.metadata["deps"] == ["extract"]  # repeated dependency kept once
    assert second.opts.metadata["ignore_cancelled_deps"] is True
    assert "ignore_discarded_deps" not in second.opts.metadata


def test_random_ids_differ() -> None:
    assert river.Workflow("x").id != river.Workflow("x").id


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda wf: [wf.add("a", A()), wf.add("a", A())], "already has a task named 'a'"),
        (lambda wf: wf.add("a", A(), deps=["a"]), "depends on itself"),
        (lambda wf: wf.add("", A()), "task name must be a non-empty string"),
        (lambda wf: wf.add("a\x00", A()), "must not contain NUL"),
        (lambda wf: wf.add("a", A(), deps=[river.Workflow("o").add("b", A())]),
         "of another workflow"),
        (lambda wf: wf.add("a", A(), deps=[3]), "dependency of task 'a'"),
    ],
)
def test_add_rejects(build: object, message: str) -> None:
    wf = river.Workflow("w")
    with pytest.raises(river.WorkflowError, match=message):
        build(wf)  # type: ignore[operator]


def test_unknown_dep_and_cycle_rejected_at_insert() -> None:
    wf = river.Workflow("w")
    wf.add("a", A(), deps=["missing"])
    with pytest.raises(river.WorkflowError, match="unknown task 'missing'"):
        wf.insert_params()
    cyc = river.Workflow("c")
    cyc.add("a", A(), deps=["c"])
    cyc.add("b", A(), deps=["a"])
    cyc.add("c", A(), deps=["b"])
    with pytest.raises(river.WorkflowError, match="cycle: a -> c -> b -> a"):
        cyc.insert_params()
    with pytest.raises(river.WorkflowError, match="no tasks"):
        river.Workflow("empty").insert_params()


def test_bad_workflow_names() -> None:
    with pytest.raises(river.WorkflowError, match="workflow name"):
        river.Workflow("")
    with pytest.raises(river.WorkflowError, match="workflow id"):
        river.Workflow("x", id="a" * 201)
    assert isinstance(river.WorkflowError("x"), river.InvalidInsertError)


def test_deep_chain_cycle_check_is_iterative() -> None:
    wf = river.Workflow("chain")
    prev = wf.add("t0", A())
    for i in range(1, 20_000):
        prev = wf.add(f"t{i}", A(), deps=[prev])
    assert len(wf.insert_params()) == 20_000


def test_workflow_outputs_outside_a_job() -> None:
    with pytest.raises(river.WorkflowError, match="while a job is being worked"):
        river.workflow_outputs()
