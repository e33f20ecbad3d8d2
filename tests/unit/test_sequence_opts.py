"""Sequence options and keys, without a database: which parts make the key, and the
errors naming bad options."""

from __future__ import annotations

import pytest

import river
from river.sequence import sequence_key, sequence_metadata

ARGS = '{"customer_id": "cus_1", "event": "created", "n": 1}'


def key(opts: river.SequenceOpts, *, kind: str = "hook", queue: str = "q", args: str = ARGS) -> str:
    return sequence_key(kind, queue, args, opts)


def test_the_default_key_is_the_kind_alone() -> None:
    plain = river.SequenceOpts()
    assert key(plain) == key(plain, queue="other", args='{"x": 2}')
    assert key(plain) != key(plain, kind="other")


def test_by_args_fields_select_only_those_fields_in_any_order() -> None:
    opts = river.SequenceOpts(by_args=["customer_id"])
    same_customer = '{"n": 2, "event": "paid", "customer_id": "cus_1"}'
    assert key(opts) == key(opts, args=same_customer)
    assert key(opts) != key(opts, args='{"customer_id": "cus_2"}')
    assert key(opts, args="{}") == key(opts, args='{"customer_id": null}')  # missing is null


def test_by_args_true_takes_every_field() -> None:
    opts = river.SequenceOpts(by_args=True)
    assert key(opts) == key(opts, args='{"n": 1, "event": "created", "customer_id": "cus_1"}')
    assert key(opts) != key(opts, args='{"customer_id": "cus_1", "event": "paid", "n": 1}')


def test_by_queue_and_exclude_kind() -> None:
    by_queue = river.SequenceOpts(by_queue=True)
    assert key(by_queue) != key(by_queue, queue="other")
    shared = river.SequenceOpts(by_args=["customer_id"], exclude_kind=True)
    assert key(shared, kind="a") == key(shared, kind="b")


@pytest.mark.parametrize(
    ("opts", "message"),
    [
        (river.SequenceOpts(by_args="customer_id"), "by_args must be a bool or a list"),
        (river.SequenceOpts(by_args=[]), "must name at least one field"),
        (river.SequenceOpts(by_args=["ok", ""]), "field names must be non-empty strings"),
        (river.SequenceOpts(exclude_kind=True), "exclude_kind needs by_args or by_queue"),
    ],
)
def test_bad_options_raise_a_sequence_error(opts: river.SequenceOpts, message: str) -> None:
    with pytest.raises(river.SequenceError, match=message):
        opts.validate()


def test_metadata_gets_the_key_and_flags_and_workflow_tasks_are_refused() -> None:
    opts = river.SequenceOpts(continue_on_discarded=True)
    md = sequence_metadata({"mine": 1}, "hook", "q", ARGS, opts)
    assert md["mine"] == 1
    assert md["riverpro_sequence_key"] == key(opts)
    assert md["riverpro_sequence_continue_on_discarded"] is True
    assert md["riverpro_sequence_continue_on_cancelled"] is False
    with pytest.raises(river.SequenceError, match="do not mix"):
        sequence_metadata({"workflow_id": "wf_1"}, "hook", "q", ARGS, opts)
    assert issubclass(river.SequenceError, river.InvalidInsertError)
