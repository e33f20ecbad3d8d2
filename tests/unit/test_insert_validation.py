"""Bad insert input is rejected with a specific error before anything is written."""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pydantic
import pytest
from hypothesis import given
from hypothesis import strategies as st

from river._internal.insert.insert_params import build_insert_params
from river.driver.params import JobInsertFastParams
from river.errors import (
    ArgsDecodeError,
    ArgsEncodeError,
    InvalidInsertError,
    InvalidKindError,
    InvalidMaxAttemptsError,
    InvalidMetadataError,
    InvalidPriorityError,
    InvalidQueueError,
    InvalidTagsError,
    InvalidUniqueOptsError,
    JobCancel,
    JobSnooze,
    RiverError,
    UnknownJobKindError,
)
from river.insert_opts import (
    InsertOpts,
    UniqueOpts,
    validate_kind,
    validate_max_attempts,
    validate_metadata,
    validate_priority,
    validate_queue_name,
    validate_tags,
)
from river.job_args import decode_args, encode_args
from river.types import JobState

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
REQUIRED = [JobState.AVAILABLE, JobState.PENDING, JobState.RUNNING, JobState.SCHEDULED]


@dataclass
class Args:
    kind = "valid_kind"
    name: str = "x"
    items: list[int] = field(default_factory=list)


@dataclass
class WithOpts:
    kind = "with_opts"

    def insert_opts(self) -> InsertOpts:
        return InsertOpts(
            queue="from_args", priority=2, tags=["args_tag"], max_attempts=3,
            metadata={"from": "args"}, unique_opts=UniqueOpts(by_queue=True),
        )


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


def build(args: Any = None, opts: InsertOpts | None = None) -> JobInsertFastParams:
    return build_insert_params(args if args is not None else Args(), opts, now=NOW)


@pytest.mark.parametrize(
    ("opts", "error", "message"),
    [
        (InsertOpts(priority=5), InvalidPriorityError, "priority must be between 1 and 4, got 5"),
        (InsertOpts(priority=0), InvalidPriorityError, "got 0"),
        (InsertOpts(queue="Bad Queue"), InvalidQueueError, "'Bad Queue'"),
        (InsertOpts(queue="a" * 65), InvalidQueueError, "aaaa"),
        (InsertOpts(queue="trailing_"), InvalidQueueError, "'trailing_'"),
        (InsertOpts(queue=""), InvalidQueueError, "''"),
        (InsertOpts(tags=["has,comma"]), InvalidTagsError, "'has,comma'"),
        (InsertOpts(tags=["x" * 256]), InvalidTagsError, "xxxx"),
        (InsertOpts(tags="plain_string"), InvalidTagsError, "plain_string"),
        (InsertOpts(max_attempts=0), InvalidMaxAttemptsError, "got 0"),
        (InsertOpts(max_attempts=40000), InvalidMaxAttemptsError, "got 40000"),
        (InsertOpts(metadata={"bad": {1, 2}}), InvalidMetadataError, "set"),
        (InsertOpts(metadata=["not", "a", "dict"]),  # type: ignore[arg-type]
         InvalidMetadataError, "not"),
        (InsertOpts(unique_opts=UniqueOpts(by_period=dt.timedelta(seconds=0.5))),
         InvalidUniqueOptsError, "0:00:00.5"),
        (InsertOpts(unique_opts=UniqueOpts(by_state=[JobState.AVAILABLE])),
         InvalidUniqueOptsError, "missing \\['pending', 'running', 'scheduled'\\]"),
        (InsertOpts(unique_opts=UniqueOpts(by_state=[*REQUIRED, JobState.RUNNING])),
         InvalidUniqueOptsError, "duplicates"),
        (InsertOpts(unique_opts=UniqueOpts(by_state=["nope"])),  # type: ignore[list-item]
         InvalidUniqueOptsError, "nope"),
        (InsertOpts(unique_opts=UniqueOpts(by_args="name")), InvalidUniqueOptsError, "'name'"),
        (InsertOpts(unique_opts=UniqueOpts(by_args=["ok", ""])), InvalidUniqueOptsError, "''"),
    ],
)
def test_invalid_options(opts: InsertOpts, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        build(opts=opts)


@pytest.mark.parametrize(
    ("func", "value", "error", "message"),
    [
        (validate_kind, "a", InvalidKindError, "'a'"),
        (validate_kind, "-lead", InvalidKindError, "-lead"),
        (validate_kind, "has space", InvalidKindError, "has space"),
        (validate_kind, "has,comma", InvalidKindError, "has,comma"),
        (validate_kind, "caf\u00e9", InvalidKindError, "caf"),  # Go's \w is ASCII
        (validate_kind, "k" * 128, InvalidKindError, "kkk"),
        (validate_kind, 5, InvalidKindError, "5"),
        (validate_queue_name, "", InvalidQueueError, "''"),
        (validate_queue_name, "a__b", InvalidQueueError, "a__b"),
        (validate_queue_name, "UPPER", InvalidQueueError, "UPPER"),
        (validate_queue_name, "ok\n", InvalidQueueError, "ok"),
        (validate_priority, 5, InvalidPriorityError, "between 1 and 4, got 5"),
        (validate_priority, True, InvalidPriorityError, "True"),
        (validate_priority, 2.0, InvalidPriorityError, "2.0"),
        (validate_max_attempts, 32768, InvalidMaxAttemptsError, "32768"),
        (validate_max_attempts, -1, InvalidMaxAttemptsError, "-1"),
        (validate_tags, "single", InvalidTagsError, "single"),
        (validate_tags, ["ab"], InvalidTagsError, "'ab'"),
        (validate_tags, ["-ab"], InvalidTagsError, "'-ab'"),
        (validate_tags, ["t\u00e9st"], InvalidTagsError, "st"),
        (validate_tags, [1], InvalidTagsError, "1"),
        (validate_metadata, ["x"], InvalidMetadataError, "x"),
        (validate_metadata, {"x": float("nan")}, InvalidMetadataError, "metadata"),
    ],
)
def test_validators(func: Any, value: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        func(value)


def test_valid_values_pass() -> None:
    validate_kind("ok")
    validate_kind("a.B/c[d]<e>:f+g\u00b7h-i")
    validate_kind("k" * 127)
    validate_queue_name("a" * 64)
    validate_queue_name("my-queue_2")
    validate_queue_name("pipe|ok")  # River's regex allows '|' as a separator
    for p in (1, 4):
        validate_priority(p)
    validate_max_attempts(1)
    validate_max_attempts(32767)
    validate_tags(["abc", "a-b_c", "x" * 255])
    validate_tags(())
    validate_metadata({})
    validate_metadata({"a": {"b": [1, None]}, "river:resumable_step": "s"})
    UniqueOpts(by_state=[*REQUIRED, JobState.COMPLETED]).validate()
    UniqueOpts(by_state=[]).validate()
    UniqueOpts(by_period=dt.timedelta(seconds=1)).validate()


def test_errors_are_typed() -> None:
    for cls in (InvalidKindError, InvalidQueueError, InvalidPriorityError, InvalidTagsError,
                InvalidMaxAttemptsError, InvalidUniqueOptsError, InvalidMetadataError,
                ArgsEncodeError):
        assert issubclass(cls, InvalidInsertError)
    assert issubclass(InvalidInsertError, RiverError) and issubclass(InvalidInsertError, ValueError)
    assert issubclass(ArgsDecodeError, RiverError)
    err = UnknownJobKindError("x")
    assert err.kind == "x" and str(err) == "job kind 'x' is not registered with a worker"
    # A worker's control-flow exceptions escape `except RiverError`.
    assert not issubclass(JobCancel, RiverError) and not issubclass(JobSnooze, RiverError)
    boom = RuntimeError("boom")
    assert str(JobCancel(boom)) == "boom" and JobCancel(boom).error is boom
    assert JobCancel("why").error == "why" and JobCancel().error is None
    assert JobSnooze(1.5).duration == dt.timedelta(seconds=1.5)
    assert JobSnooze(dt.timedelta(minutes=1)).duration == dt.timedelta(minutes=1)
    assert JobSnooze(0).duration == dt.timedelta(0)
    with pytest.raises(ValueError, match="negative"):
        JobSnooze(-1)


def test_invalid_kind_and_args() -> None:
    @dataclass
    class EmptyKind:
        kind = ""

    with pytest.raises(InvalidKindError):
        build(EmptyKind())

    @dataclass
    class NotJson:
        kind = "not_json"
        value: Any = None

    with pytest.raises(ArgsEncodeError, match="NotJson"):
        build(NotJson(value={1, 2}))
    with pytest.raises(ArgsEncodeError):
        build(NotJson(value=float("nan")))
    with pytest.raises(TypeError, match="object"):
        build(object())

    @dataclass
    class BadOpts:
        kind = "bad_opts"

        def insert_opts(self) -> Any:
            return {"queue": "x"}

    with pytest.raises(TypeError, match="BadOpts"):
        build(BadOpts())

    @dataclass
    class RaisingOpts:
        kind = "raising_opts"

        def insert_opts(self) -> InsertOpts:
            raise KeyError("no such setting")

    # A typed error naming the args class, not the bare KeyError.
    with pytest.raises(InvalidInsertError, match=r"RaisingOpts.insert_opts\(\) raised KeyError"):
        build(RaisingOpts())


def test_precedence() -> None:
    own = build(WithOpts())
    assert (own.queue, own.priority, own.tags, own.max_attempts, own.metadata) == (
        "from_args", 2, ("args_tag",), 3, '{"from":"args"}',
    )
    call = build(WithOpts(), InsertOpts(queue="from_call", tags=["call_tag"], max_attempts=9))
    assert (call.queue, call.priority, call.tags, call.max_attempts) == (
        "from_call", 2, ("call_tag",), 9,
    )
    # Tags are replaced, not merged: an empty list clears the args' tags.
    assert build(WithOpts(), InsertOpts(tags=[])).tags == ()
    default = build()
    assert (default.queue, default.priority, default.max_attempts) == ("default", 1, 25)
    assert (default.tags, default.metadata, default.state) == ((), "{}", JobState.AVAILABLE)
    assert default.scheduled_at is None and default.unique_key is None
    client = build_insert_params(Args(), None, default_max_attempts=7, default_queue="cq",
                                 default_priority=3, now=NOW)
    assert (client.queue, client.priority, client.max_attempts) == ("cq", 3, 7)
    # Args' options beat client defaults; the call beats both.
    mixed = build_insert_params(WithOpts(), InsertOpts(priority=4), default_queue="cq",
                                default_priority=3, now=NOW)
    assert (mixed.queue, mixed.priority) == ("from_args", 4)
    with pytest.raises(InvalidQueueError):
        build_insert_params(Args(), None, default_queue="Bad", now=NOW)
    with pytest.raises(InvalidPriorityError):
        build_insert_params(Args(), None, default_priority=9, now=NOW)


def test_unique_opts_precedence_and_metadata() -> None:
    own = build(WithOpts())
    assert own.unique_key is not None
    # Empty call-level unique opts (and empty metadata) do not override the args'.
    same = build(WithOpts(), InsertOpts(unique_opts=UniqueOpts(exclude_kind=True), metadata={}))
    assert same.unique_key == own.unique_key and same.metadata == '{"from":"args"}'
    other = build(WithOpts(), InsertOpts(unique_opts=UniqueOpts(by_args=True), metadata={"x": "é"}))
    assert other.unique_key not in (None, own.unique_key)
    assert other.metadata == '{"x":"é"}'

    @dataclass
    class BadUnique:
        kind = "bad_unique"

        def insert_opts(self) -> InsertOpts:
            return InsertOpts(unique_opts=UniqueOpts(by_period=dt.timedelta(0, 0, 1)))

    with pytest.raises(InvalidUniqueOptsError):
        build(BadUnique())
    # The call's own unique opts replace the args' bad ones, which are then not checked.
    assert build(BadUnique(), InsertOpts(unique_opts=UniqueOpts(by_queue=True))).unique_key


def test_args_flavours() -> None:
    class Plain:
        kind = "plain_insert"

        def to_json(self) -> str:
            return '{"b": 1, "a": 2}'

    params = build(Plain())
    assert (params.kind, params.encoded_args) == ("plain_insert", '{"b":1,"a":2}')

    class Model(pydantic.BaseModel):
        kind: ClassVar[str] = "model_insert"
        x: int

        def insert_opts(self) -> InsertOpts:
            return InsertOpts(queue="models")

    params = build(Model(x=1))
    assert (params.kind, params.encoded_args, params.queue) == ("model_insert", '{"x":1}', "models")


def test_states() -> None:
    assert build().state is JobState.AVAILABLE
    later = InsertOpts(scheduled_at=NOW + dt.timedelta(minutes=1))
    got = build(opts=later)
    assert got.state is JobState.SCHEDULED and got.scheduled_at == later.scheduled_at
    assert build(opts=InsertOpts(pending=True)).state is JobState.PENDING
    pending_later = InsertOpts(pending=True, scheduled_at=NOW + dt.timedelta(minutes=1))
    assert build(opts=pending_later).state is JobState.PENDING
    past = build(opts=InsertOpts(scheduled_at=NOW - dt.timedelta(minutes=1)))
    assert past.state is JobState.AVAILABLE and past.scheduled_at is not None
    naive = build(opts=InsertOpts(scheduled_at=dt.datetime(2030, 1, 1)))
    assert naive.state is JobState.SCHEDULED and naive.scheduled_at is not None
    assert naive.scheduled_at.tzinfo is dt.UTC

    @dataclass
    class Later:
        kind = "later"

        def insert_opts(self) -> InsertOpts:
            return InsertOpts(scheduled_at=NOW + dt.timedelta(hours=1), pending=True)

    assert build(Later()).state is JobState.PENDING
    unique = build(opts=InsertOpts(unique_opts=UniqueOpts(by_args=True)))
    assert unique.unique_key is not None and unique.unique_states == 0xF5


def test_encodings_match_go() -> None:
    text = encode_args(Rich("<a&b>", Inner(1), Colour.RED, NOW))
    assert text == (
        '{"html":"\\u003ca\\u0026b\\u003e","inner":{"n":1},"colour":"red",'
        '"when":"2026-01-01T00:00:00Z","name":"café"}'
    )
    assert decode_args(Rich, text) == Rich("<a&b>", Inner(1), Colour.RED, NOW)


# Strategies for inputs River accepts, written from River's rules, not from our regexes.
_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
_WORD = _ALNUM + "ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
_queues = st.builds(
    lambda parts, seps: parts[0] + "".join(s + p for s, p in zip(seps, parts[1:], strict=False)),
    st.lists(st.text(_ALNUM, min_size=1, max_size=8), min_size=1, max_size=5),
    st.lists(st.sampled_from(["", "_", "-", "|"]), min_size=4, max_size=4),
).filter(lambda q: len(q) <= 64)
_tags = st.builds(
    lambda a, mid, b: a + mid + b,
    st.sampled_from(_WORD), st.text(_WORD + "-", min_size=1, max_size=20), st.sampled_from(_WORD),
)
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=10),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=5), kids,
                                                             max_size=3),
    max_leaves=8,
)
_states = st.lists(
    st.sampled_from([JobState.CANCELLED, JobState.COMPLETED, JobState.DISCARDED,
                     JobState.RETRYABLE]), unique=True,
).flatmap(lambda extra: st.permutations([*REQUIRED, *extra]))
_unique = st.builds(
    UniqueOpts,
    by_args=st.booleans() | st.lists(st.sampled_from(["name", "items", "name.x"]), max_size=3),
    by_period=st.none() | st.timedeltas(dt.timedelta(seconds=1), dt.timedelta(days=400)),
    by_queue=st.booleans(),
    by_state=st.none() | _states,
    exclude_kind=st.booleans(),
)
_valid_opts = st.builds(
    InsertOpts,
    max_attempts=st.none() | st.integers(1, 32767),
    metadata=st.none() | st.dictionaries(st.text(max_size=8), _json, max_size=4),
    pending=st.booleans(),
    priority=st.none() | st.integers(1, 4),
    queue=st.none() | _queues,
    scheduled_at=st.none() | st.datetimes(timezones=st.just(dt.UTC)) | st.datetimes(),
    tags=st.none() | st.lists(_tags, max_size=4),
    unique_opts=st.none() | _unique,
)


@given(opts=_valid_opts, name=st.text(max_size=20))
def test_property_valid_opts_build(opts: InsertOpts, name: str) -> None:
    params = build(Args(name=name, items=[1]), opts)
    assert params.queue == (opts.queue or "default")
    assert params.priority == (opts.priority or 1)
    assert params.max_attempts == (opts.max_attempts or 25)
    assert list(params.tags) == list(opts.tags or ())
    assert json.loads(params.metadata) == (opts.metadata or {})
    assert json.loads(params.encoded_args) == {"name": name, "items": [1]}
    unique = opts.unique_opts is not None and not opts.unique_opts.is_empty()
    assert (params.unique_key is not None) is unique
    assert (params.unique_states is not None) is unique
    if unique:
        assert params.unique_key is not None and len(params.unique_key) == 32
    if opts.pending:
        assert params.state is JobState.PENDING


@given(priority=st.integers().filter(lambda p: not 1 <= p <= 4))
def test_property_bad_priority_rejected(priority: int) -> None:
    with pytest.raises(InvalidPriorityError, match=str(priority)):
        build(opts=InsertOpts(priority=priority))


def _river_queue_ok(queue: str) -> bool:
    # River's rule in words: 1-64 chars, runs of [a-z0-9] joined by single '_', '-' or '|'.
    parts = re.split(r"[_|\-]", queue)
    return 0 < len(queue) <= 64 and all(p and set(p) <= set(_ALNUM) for p in parts)


@given(queue=st.text(max_size=80) | st.text("ab09_-|A ", max_size=70))
def test_property_bad_queue_rejected(queue: str) -> None:
    if _river_queue_ok(queue):
        assert build(opts=InsertOpts(queue=queue)).queue == queue
    else:
        with pytest.raises(InvalidQueueError):
            build(opts=InsertOpts(queue=queue))


@given(queue=st.text("a0_-|A", max_size=12))
def test_queue_regex_same_as_rivers(queue: str) -> None:
    # River's own pattern (short inputs only: it backtracks badly in Python).
    river = re.fullmatch(r"(?:[a-z0-9])+(?:[_|\-]?[a-z0-9]+)*", queue) is not None
    try:
        validate_queue_name(queue)
        ours = True
    except InvalidQueueError:
        ours = False
    assert ours is river


def test_queue_validation_is_linear() -> None:
    # River's pattern taken as is needs exponential time on this in Python's engine.
    with pytest.raises(InvalidQueueError):
        validate_queue_name("0" * 60 + "_")


@given(queue=_queues.map(lambda q: q + "_"), priority=st.integers(1, 4))
def test_property_first_error_is_typed(queue: str, priority: int) -> None:
    with pytest.raises(InvalidInsertError):
        build(opts=InsertOpts(queue=queue, priority=priority))
