"""Batch options, keys and results, without a database: which parts make the key, a
batch worker's args type, and the errors naming bad options and results."""

from __future__ import annotations

from typing import Any

import pytest

import river
from river.batch import batch_key, checked_results
from river.worker import args_type_of

ARGS = '{"provider": "ses", "to": "a@example.com"}'


def key(opts: river.BatchOpts, *, kind: str = "email", args: str = ARGS) -> str:
    return batch_key(kind, args, opts)


def test_the_default_key_is_the_kind_alone() -> None:
    plain = river.BatchOpts()
    assert key(plain) == key(plain, args='{"x": 2}')
    assert key(plain) != key(plain, kind="other")


def test_by_args_selects_fields_or_the_whole_args_in_any_order() -> None:
    fields = river.BatchOpts(by_args=["provider"])
    assert key(fields) == key(fields, args='{"to": "b@example.com", "provider": "ses"}')
    assert key(fields) != key(fields, args='{"provider": "sendgrid"}')
    assert key(fields, args="{}") == key(fields, args='{"provider": null}')
    whole = river.BatchOpts(by_args=True)
    assert key(whole) == key(whole, args='{"to": "a@example.com", "provider": "ses"}')
    assert key(whole) != key(whole, args='{"provider": "ses", "to": "b@example.com"}')


@pytest.mark.parametrize(
    ("by_args", "message"),
    [
        ("provider", "must be a bool or a list of field names"),
        ([], "must name at least one field"),
        ([""], "field names must be non-empty strings"),
    ],
)
def test_invalid_batch_opts_are_named(by_args: Any, message: str) -> None:
    with pytest.raises(river.BatchError, match=message):
        river.BatchOpts(by_args=by_args).validate()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_count": 0}, "max_count must be an int >= 1"),
        ({"max_count": 2.5}, "max_count must be an int >= 1"),
        ({"max_delay": -1}, "max_delay must be seconds >= 0"),
        ({"poll_interval": float("nan")}, "poll_interval must be seconds >= 0"),
        ({"poll_interval": 0}, "poll_interval must be > 0 when max_delay is"),
    ],
)
def test_invalid_worker_opts_are_named(options: dict[str, Any], message: str) -> None:
    with pytest.raises(river.ConfigError, match=message):
        river.BatchWorkerOpts(**options)


def test_results_keep_the_errors_of_the_batch_jobs() -> None:
    boom = RuntimeError("boom")
    assert checked_results({1, 2, 3}, None) == {}
    assert checked_results({1, 2, 3}, {1: None, 2: boom}) == {2: boom}


@pytest.mark.parametrize(
    ("results", "message"),
    [
        ([None], "must return None or a mapping of job id to error"),
        ({9: None}, "a result for job 9, not in the batch"),
        ({1: "failed"}, "result for job 1 must be None or an exception"),
    ],
)
def test_invalid_results_are_named(results: Any, message: str) -> None:
    with pytest.raises(river.BatchResultError, match=message):
        checked_results({1, 2}, results)


class EmailArgs:
    kind = "email"


class EmailWorker(river.BatchWorker[EmailArgs]):
    pass


class AsyncEmailWorker(river.AsyncBatchWorker[EmailArgs]):
    pass


def test_a_batch_worker_s_args_type_is_its_type_parameter() -> None:
    assert args_type_of(EmailWorker()) is EmailArgs
    assert args_type_of(AsyncEmailWorker()) is EmailArgs
