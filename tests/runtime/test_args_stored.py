"""Stored args: the compiled encoder stores the same JSON value as Go-compatible encoding,
and unique keys keep River Go's exact bytes."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import river
from river._internal.insert.insert_params import build_insert_params, iter_build
from river.job_args import _stored_fast, encode_args, encode_args_stored, loads, stored_encoder
from tests._db import admin


@dataclass
class Plain:
    kind = "plain"
    name: str = ""
    count: int = 0
    flag: bool = False
    note: str | None = None


@dataclass
class WithFloat:
    kind = "with_float"
    ratio: float = 1.0


@dataclass
class WithTime:
    kind = "with_time"
    at: dt.datetime = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
ints = st.integers(min_value=-(2**63), max_value=2**63 - 1)


@settings(max_examples=200, deadline=None)
@given(name=texts, count=ints, flag=st.booleans(), note=st.none() | texts)
def test_same_json_value_as_go_encoding(name: str, count: int, flag: bool, note: str | None) -> None:
    args = Plain(name=name, count=count, flag=flag, note=note)
    assert json.loads(encode_args_stored(args)) == json.loads(encode_args(args))


def test_same_jsonb_in_the_database(database_url: str) -> None:
    args = Plain(name='<a href="x">&amp; \u2028 é 😀</a>', count=-(2**63), flag=True)
    with admin(database_url) as conn:
        row = conn.execute(
            "SELECT %s::jsonb = %s::jsonb, %s::jsonb::text",
            (encode_args_stored(args), encode_args(args), encode_args_stored(args)),
        ).fetchone()
    assert row is not None and row[0] is True
    assert json.loads(row[1]) == {"name": args.name, "count": args.count, "flag": True, "note": None}


def test_other_types_keep_go_encoding() -> None:
    # Go writes 1.0 as 1 and times in RFC 3339 with Z; jsonb would keep other spellings.
    assert not _stored_fast(WithFloat) and not _stored_fast(WithTime)
    assert encode_args_stored(WithFloat(ratio=1.0)) == encode_args(WithFloat(ratio=1.0)) == '{"ratio":1}'
    assert encode_args_stored(WithTime()) == encode_args(WithTime())
    # A value the compiled encoder refuses falls back to the exact encoder.
    huge = Plain(count=2**70)
    assert encode_args_stored(huge) == encode_args(huge)
    assert loads('{"n":' + str(2**70) + "}") == {"n": 2**70}


def test_unique_key_hashes_go_bytes() -> None:
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    args = Plain(name="<&>", count=1)
    opts = river.InsertOpts(unique_opts=river.UniqueOpts(by_args=True))
    unique: Any = build_insert_params(args, opts, now=now)
    plain: Any = build_insert_params(args, None, now=now)
    assert unique.encoded_args == encode_args(args)
    assert "\\u003c" in unique.encoded_args  # Go's HTML-safe escape, part of the key
    assert json.loads(plain.encoded_args) == json.loads(unique.encoded_args)
    assert unique.unique_key is not None and plain.unique_key is None


def test_per_class_encoder_matches_encode_args_stored() -> None:
    for args in (Plain(name="é", count=3), Plain(count=2**70), WithFloat(ratio=2.0), WithTime()):
        assert stored_encoder(type(args))(args) == encode_args_stored(args)


def test_iter_build_matches_one_job_at_a_time() -> None:
    # The bulk path (same class, no options) against build_insert_params for mixed items.
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    opts = river.InsertOpts(queue="q", priority=3, tags=["tag"])
    items: list[Any] = [
        Plain(count=1), Plain(count=2**70), river.InsertManyParams(Plain(count=3), opts),
        Plain(count=4), WithFloat(ratio=0.5), river.InsertManyParams(WithTime()), Plain(count=5),
    ]
    seen: list[tuple[type, str]] = []
    built = list(iter_build(
        items, default_max_attempts=7, now=now,
        on_new_class=lambda cls, kind: seen.append((cls, kind)),
    ))
    expected = [
        build_insert_params(
            i.args if isinstance(i, river.InsertManyParams) else i,
            i.opts if isinstance(i, river.InsertManyParams) else None,
            default_max_attempts=7, now=now,
        )
        for i in items
    ]
    assert built == expected
    assert seen == [(Plain, "plain"), (WithFloat, "with_float"), (WithTime, "with_time")]
