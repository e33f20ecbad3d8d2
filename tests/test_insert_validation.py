"""Bad insert input is rejected with a specific error before anything is written."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pydantic
import pytest
from hypothesis import given
from hypothesis import strategies as st

import river
from river._internal.insert_params import build_insert_params
from river.job_args import decode_args, encode_args
from river.types import JobState

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@dataclass
class Args:
    kind = "valid_kind"
    name: str = "x"
    items: list[int] = field(default_factory=list)


@dataclass
class WithOpts:
    kind = "with_opts"

    def insert_opts(self) -> river.InsertOpts:
        return river.InsertOpts(queue="from_args", priority=2, tags=["args_tag"], max_attempts=3)


class Colour(enum.Enum):
    RED = "red"


@dataclass
class Inner:
    n: int


@dataclass
class Rich:
    kind = "rich"
    html: str
    inner: Inner
    colour: Colour
    when: dt.datetime
    name: str = "café"


def build(args: Any = None, opts: river.InsertOpts | None = None) -> Any:
    return build_insert_params(args if args is not None else Args(), opts, now=NOW)


@pytest.mark.parametrize(
    ("opts", "error"),
    [
        (river.InsertOpts(priority=5), river.InvalidPriorityError),
        (river.InsertOpts(priority=0), river.InvalidPriorityError),
        (river.InsertOpts(queue="Bad Queue"), river.InvalidQueueError),
        (river.InsertOpts(queue="a" * 65), river.InvalidQueueError),
        (river.InsertOpts(queue="trailing_"), river.InvalidQueueError),
        (river.InsertOpts(tags=["has,comma"]), river.InvalidTagsError),
        (river.InsertOpts(tags=["x" * 256]), river.InvalidTagsError),
        (river.InsertOpts(max_attempts=0), river.InvalidMaxAttemptsError),
        (river.InsertOpts(max_attempts=40000), river.InvalidMaxAttemptsError),
        (river.InsertOpts(metadata={"bad": {1, 2}}), river.InvalidMetadataError),
        (river.InsertOpts(unique_opts=river.UniqueOpts(by_period=dt.timedelta(seconds=0.5))),
         river.InvalidUniqueOptsError),
        (river.InsertOpts(unique_opts=river.UniqueOpts(by_state=[JobState.AVAILABLE])),
         river.InvalidUniqueOptsError),
    ],
)
def test_invalid_options(opts: river.InsertOpts, error: type[Exception]) -> None:
    with pytest.raises(error):
        build(opts=opts)


def test_invalid_kind_and_args() -> None:
    @dataclass
    class BadKind:
        kind = "has space"

    with pytest.raises(river.InvalidKindError):
        build(BadKind())

    @dataclass
    class NotJson:
        kind = "not_json"
        value: Any = None

    with pytest.raises(river.ArgsEncodeError):
        build(NotJson(value={1, 2}))
    with pytest.raises(river.ArgsEncodeError):
        build(NotJson(value=float("nan")))
    with pytest.raises(TypeError):
        build(object())


def test_precedence() -> None:
    own = build(WithOpts())
    assert (own.queue, own.priority, own.tags, own.max_attempts) == (
        "from_args", 2, ("args_tag",), 3,
    )
    call = build(WithOpts(), river.InsertOpts(queue="from_call", tags=["call_tag"]))
    assert (call.queue, call.priority, call.tags) == ("from_call", 2, ("call_tag",))
    default = build()
    assert (default.queue, default.priority, default.max_attempts) == ("default", 1, 25)


def test_states() -> None:
    assert build().state is JobState.AVAILABLE
    later = river.InsertOpts(scheduled_at=NOW + dt.timedelta(minutes=1))
    assert build(opts=later).state is JobState.SCHEDULED
    assert build(opts=river.InsertOpts(pending=True)).state is JobState.PENDING
    unique = build(opts=river.InsertOpts(unique_opts=river.UniqueOpts(by_args=True)))
    assert unique.unique_key is not None and unique.unique_states == 0xF5


def test_encodings_match_go() -> None:
    text = encode_args(Rich("<a&b>", Inner(1), Colour.RED, NOW))
    assert text == (
        '{"html":"\\u003ca\\u0026b\\u003e","inner":{"n":1},"colour":"red",'
        '"when":"2026-01-01T00:00:00Z","name":"café"}'
    )
    back = decode_args(Rich, text)
    assert back.inner == Inner(1)

    class Model(pydantic.BaseModel):
        kind: ClassVar[str] = "model"
        x: int

    assert encode_args(Model(x=3)) == '{"x":3}'
    assert decode_args(Model, '{"x":3}') == Model(x=3)

    class Plain:
        kind = "plain"

        def __init__(self, v: int) -> None:
            self.v = v

        def to_json(self) -> str:
            return f'{{"v": {self.v}}}'

        @classmethod
        def from_json(cls, data: str) -> Plain:
            import json

            return cls(json.loads(data)["v"])

    assert encode_args(Plain(4)) == '{"v":4}'
    assert decode_args(Plain, '{"v":4}').v == 4
    with pytest.raises(river.ArgsDecodeError):
        decode_args(Args, "[1]")


@given(
    priority=st.integers(-10, 10),
    queue=st.text(max_size=70),
    max_attempts=st.integers(-5, 40000),
)
def test_property_valid_or_typed_error(priority: int, queue: str, max_attempts: int) -> None:
    opts = river.InsertOpts(priority=priority, queue=queue, max_attempts=max_attempts)
    try:
        params = build(opts=opts)
    except river.InvalidInsertError:
        return
    assert 1 <= params.priority <= 4
    assert 1 <= params.max_attempts <= 32767
    assert params.queue == queue and 0 < len(queue) <= 64
