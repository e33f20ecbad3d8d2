"""Unique keys computed by River Go itself (the peer's inserts, rolled back) equal
river-queue's byte for byte, for every UniqueOpts combination, and so do the state
bitmasks. River Go's clock is stubbed to a fixed instant and shown in the peer's local
zone, as ``time.Now()`` is; river-queue computes the key at the same instant in the same
process zone, under the unique rules of the peer's River release (``Config.unique_rules``:
v0.43's against v0.43, v0.48's against v0.48 and later)."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest

from river._internal.insert.insert_params import build_insert_params
from river._internal.insert.unique import unique_states_bitmask
from river.errors import InvalidUniqueOptsError
from river.insert_opts import InsertOpts, UniqueOpts
from river.job_args import encode_args
from river.types import JobState
from river.unique_rules import UniqueRules
from tests.interop._args import raw_args
from tests.interop._gopeer import GoPeer, GoPeerError, RawJSON

NOW = dt.datetime(2024, 5, 1, 13, 40, 10, 123456, tzinfo=dt.UTC)  # a Wednesday
OPTIONAL_STATES = (JobState.CANCELLED, JobState.COMPLETED, JobState.DISCARDED, JobState.RETRYABLE)
REQUIRED_STATES = (JobState.AVAILABLE, JobState.PENDING, JobState.RUNNING, JobState.SCHEDULED)
PERIODS = [
    dt.timedelta(seconds=1), dt.timedelta(seconds=1.5), dt.timedelta(seconds=90),
    dt.timedelta(minutes=7), dt.timedelta(minutes=15), dt.timedelta(hours=1),
    dt.timedelta(hours=24), dt.timedelta(days=7),
]
# Args as users write them: nested objects, numbers kept as written, characters Go's
# encoder escapes, non-ASCII and bidi controls, keys out of order, an empty object.
RAW_ARGS = [
    '{"b":2,"a":1}',
    '{"a":1,"b":2}',
    '{"z":{"y":1,"x":[1,2,{"q":null}]},"a":null,"m":"<a&b>"}',
    '{"n":1.50,"big":123456789012345678901234567890,"e":1e400,"neg":-0}',
    '{"\u00e9t\u00e9":"\u202eevil\u202c","a<b":"\u2028","emoji":"\U0001f600"}',
    '{"deep":{"b":{"d":1,"c":2},"a":[]}}',
    "{}",
    "[]",  # not an object, but River Go finds no keys in it: as {}
    '{"a":1,"b":0,"a":2}',  # a key given twice: its first value
]
# The peer's typed args (UniqueFieldsArgs): River Go keys it on its `river:"unique"`
# struct tags; river-queue users list the same paths in by_args.
FIELDS_KIND = "interop_unique_fields"
FIELDS_PATHS = ["address.street", "amount", "customer", "plan", "zeta"]
# Typed args whose unique fields sort as paths ("a-b" before "a.c"), or are all left out.
TYPED = [
    ("interop_path_order", ["a.c", "a-b", "opt"],
     [{"a": {"c": 1, "d": 2}, "a-b": "x"}, {"a": {"c": 1, "d": 3}, "a-b": "x", "opt": "o"}]),
    ("interop_unique_optional", ["x"], [{"note": "n"}, {"x": "<x>", "note": "n"}]),
]
FIELDS_ARGS = [
    # amount and plan are omitempty: left out of the JSON, so out of the key.
    {"zeta": "z", "customer": "c1", "note": "n", "address": {"street": "s", "city": "x"}},
    {"zeta": "z", "customer": "c1", "note": "other", "address": {"street": "s", "city": "y"}},
    {"zeta": "<&>", "customer": "c\u00e9", "note": "", "address": {"street": "", "city": ""},
     "amount": 42, "plan": {"name": "pro", "seats": 3}},
]


def _go_unique(u: UniqueOpts) -> dict[str, Any]:
    return {
        "by_args": bool(u.by_args),
        "by_period_seconds": u.by_period.total_seconds() if u.by_period else 0,
        "by_queue": u.by_queue,
        "by_state": None if u.by_state is None else [s.value for s in u.by_state],
        "exclude_kind": u.exclude_kind,
    }


def _cases() -> Iterator[tuple[str, str, UniqueOpts, str]]:
    """(kind, args JSON, unique options, queue): every option alone and combined."""
    for exclude_kind in (False, True):
        for text in RAW_ARGS:
            yield "interop_raw", text, UniqueOpts(by_args=True, exclude_kind=exclude_kind), "default"
            yield "interop_raw", text, UniqueOpts(
                by_args=True, by_queue=True, by_period=dt.timedelta(hours=1),
                exclude_kind=exclude_kind,
            ), "q_two"
        for period in PERIODS:
            yield "interop_raw", "{}", UniqueOpts(by_period=period, exclude_kind=exclude_kind), "default"
        for queue in ("default", "q_two"):
            yield "interop_raw", "{}", UniqueOpts(by_queue=True, exclude_kind=exclude_kind), queue
        for n in range(len(OPTIONAL_STATES) + 1):
            for extra in itertools.combinations(OPTIONAL_STATES, n):
                states = [*REQUIRED_STATES, *extra]
                yield "interop_raw", '{"a":1}', UniqueOpts(
                    by_state=states, exclude_kind=exclude_kind
                ), "default"
        # An empty (not None) by_state: unique, with the default states.
        yield "interop_raw", "{}", UniqueOpts(by_state=[], exclude_kind=exclude_kind), "default"
    # exclude_kind alone: not unique at all.
    yield "interop_raw", "{}", UniqueOpts(exclude_kind=True), "default"


def _rules_of(gopeer: GoPeer, schema: str) -> UniqueRules:
    """The unique rules of the peer's River release."""
    if gopeer.river_version(schema) >= (0, 48):
        return UniqueRules.RIVER_0_48
    return UniqueRules.RIVER_0_43


def _refused_by_v048(u: UniqueOpts) -> bool:
    return u.exclude_kind and not (u.by_args or u.by_queue or u.by_period)


@pytest.fixture
def process_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield
    monkeypatch.undo()
    time.tzset()


def _set_zone(monkeypatch: pytest.MonkeyPatch, zone: str) -> None:
    monkeypatch.setenv("TZ", zone)
    time.tzset()


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/St_Johns"])
def test_unique_keys_equal_river_go(
    gopeer: GoPeer, schema: str, zone: str, monkeypatch: pytest.MonkeyPatch,
    process_zone: None,
) -> None:
    rules = _rules_of(gopeer, schema)
    cases = list(_cases())
    if rules is UniqueRules.RIVER_0_48:
        # Refused by both (test_exclude_kind_alone_refused_under_v048_rules): River Go
        # would stop the batch at the first.
        cases = [c for c in cases if not _refused_by_v048(c[2])]
    scheduled: set[int] = set()
    jobs = [
        {"kind": kind, "args": RawJSON(text),
         "opts": {"queue": queue, "unique": _go_unique(u)}}
        for kind, text, u, queue in cases
    ]
    typed = [(FIELDS_KIND, FIELDS_PATHS, FIELDS_ARGS), *TYPED]
    for kind, paths, variants in typed:
        for fields in variants:
            for exclude_kind in (False, True):
                cases.append((kind, "", UniqueOpts(by_args=paths, exclude_kind=exclude_kind), "default"))
                jobs.append({"kind": kind, "args": fields,
                             "opts": {"unique": {"by_args": True, "exclude_kind": exclude_kind}}})
    # v0.43: a scheduled job is keyed on the insert time's period, not its own (River Go
    # computes the key before it sets the scheduled time). v0.48: on its scheduled time's
    # period, in UTC whatever the zone of scheduled_at.
    kolkata = dt.timezone(dt.timedelta(hours=5, minutes=30))
    for period in (dt.timedelta(minutes=15), dt.timedelta(hours=24)):
        for at in (
            NOW + dt.timedelta(days=3), NOW - dt.timedelta(hours=5),
            (NOW + dt.timedelta(hours=20, minutes=7)).astimezone(kolkata),
        ):
            u = UniqueOpts(by_period=period)
            cases.append(("interop_raw", "{}", u, "default"))
            jobs.append({"kind": "interop_raw", "args": RawJSON("{}"),
                         "opts": {"scheduled_at": at.isoformat(), "unique": _go_unique(u)}})
            scheduled.add(len(cases) - 1)
    result = gopeer.run(
        "insert", schema,
        {"mode": "insert", "rollback": True, "now": NOW.isoformat(), "jobs": jobs}, tz=zone,
    )
    got = result["jobs"]
    assert len(got) == len(cases)
    _set_zone(monkeypatch, zone)
    mismatches = []
    unique_count = 0
    for i, ((kind, text, u, queue), row, marshalled) in enumerate(zip(
        cases, got, result["marshalled_args"], strict=True
    )):
        if text:
            # The same JSON given to each: river-queue encodes it as Go does.
            assert encode_args(raw_args(kind, text)) == marshalled
        else:
            text = marshalled  # the typed args as Go's encoder wrote them
        at = dt.datetime.fromisoformat(row["scheduled_at"]) if i in scheduled else None
        params = build_insert_params(
            raw_args(kind, text), InsertOpts(queue=queue, scheduled_at=at, unique_opts=u),
            now=NOW, unique_rules=rules,
        )
        go_key = row["unique_key"]
        ours = params.unique_key.hex() if params.unique_key is not None else None
        go_states = (
            unique_states_bitmask(JobState(s) for s in row["unique_states"])
            if go_key is not None else None
        )
        if (ours, params.unique_states) != (go_key, go_states):
            mismatches.append((kind, row["encoded_args"], u, queue, go_key, ours,
                               go_states, params.unique_states))
        unique_count += go_key is not None
    assert mismatches == []
    if rules is UniqueRules.RIVER_0_43:
        assert unique_count == len(cases) - 1  # all but exclude_kind alone
    else:
        assert unique_count == len(cases)


@pytest.mark.parametrize("u", [
    UniqueOpts(exclude_kind=True),
    UniqueOpts(exclude_kind=True, by_state=[*REQUIRED_STATES, JobState.COMPLETED]),
    UniqueOpts(exclude_kind=True, by_state=[]),
])
def test_exclude_kind_alone_refused_under_v048_rules(
    gopeer: GoPeer, schema: str, u: UniqueOpts
) -> None:
    """v0.48 rules refuse exclude_kind without by_args, by_queue or by_period, as River Go
    v0.48+ does; v0.43 rules accept it, as River Go v0.43 does (exclude_kind alone: not
    unique; with by_state: one key for the kind-less table, compared above)."""
    rules = _rules_of(gopeer, schema)
    job = {"kind": "interop_raw", "args": RawJSON("{}"), "opts": {"unique": _go_unique(u)}}
    opts = InsertOpts(unique_opts=u)
    if rules is UniqueRules.RIVER_0_43:
        row = gopeer.insert(schema, [job], rollback=True, now=NOW.isoformat())["jobs"][0]
        params = build_insert_params(raw_args("interop_raw", "{}"), opts, now=NOW)
        ours = params.unique_key.hex() if params.unique_key is not None else None
        assert row["unique_key"] == ours
        return
    with pytest.raises(GoPeerError, match=r"UniqueOpts\.ExcludeKind requires ByArgs, ByQueue, or ByPeriod"):
        gopeer.insert(schema, [job], rollback=True)
    with pytest.raises(InvalidUniqueOptsError, match="exclude_kind needs by_args, by_queue or by_period"):
        build_insert_params(raw_args("interop_raw", "{}"), opts, now=NOW, unique_rules=rules)


@pytest.mark.parametrize("text", ["[1,2]", '[{"a":1}]', '"text"', "5", "null"])
def test_by_args_on_args_that_are_not_an_object_is_refused_as_river_go_does(
    gopeer: GoPeer, schema: str, text: str
) -> None:
    job = {"kind": "interop_raw", "args": RawJSON(text), "opts": {"unique": {"by_args": True}}}
    # River v0.48 names the problem; before, its JSON path lookup failed.
    refusal = (
        "unique args must encode a JSON object"
        if gopeer.river_version(schema) >= (0, 48) else "path cannot be empty"
    )
    with pytest.raises(GoPeerError, match=refusal):
        gopeer.insert(schema, [job], rollback=True)
    opts = InsertOpts(unique_opts=UniqueOpts(by_args=True))
    with pytest.raises(InvalidUniqueOptsError, match="by_args needs args that are a JSON object"):
        build_insert_params(raw_args("interop_raw", text), opts, now=NOW)
