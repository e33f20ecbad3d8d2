"""Decoding stored JSON never recurses past ``MAX_DEPTH``: deeper JSON (as River Go and
Postgres store it) stays text in an ``UndecodableJSON``, and args that deep are an
``ArgsDecodeError`` before any parser, the args type's own included, sees them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

import river
from river._internal.notifier.notification import parse_payload
from river.job_args import decode_args
from river.stored_json import MAX_DEPTH, UndecodableJSON, decode, nesting_depth, too_deep

DEPTHS = [1_000, 100_000, 1_000_000]


def _arrays(depth: int) -> str:
    return "[" * depth + "]" * depth


def _objects(depth: int) -> str:
    return '{"a": ' * depth + "null" + "}" * depth


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("build", [_arrays, _objects])
def test_deep_json_is_kept_as_text(depth: int, build: Any) -> None:
    text = build(depth)
    value = decode(text)
    assert isinstance(value, UndecodableJSON)
    assert value.text is text
    assert value.reason == f"JSON nested deeper than {MAX_DEPTH} levels is not decoded"
    assert nesting_depth(text) == depth


def test_the_limit_is_decoded_one_past_it_is_not() -> None:
    assert decode(_arrays(MAX_DEPTH)) == json.loads(_arrays(MAX_DEPTH))
    assert isinstance(decode(_arrays(MAX_DEPTH + 1)), UndecodableJSON)
    assert decode(_objects(MAX_DEPTH)) == json.loads(_objects(MAX_DEPTH))
    assert isinstance(decode(_objects(MAX_DEPTH + 1)), UndecodableJSON)


def test_brackets_in_strings_do_not_count() -> None:
    inner = '[{\\"' * 5_000  # brackets and escaped quotes inside one string
    text = '{"s": "' + inner + '", "t": ["]", "\\\\", "{"]}'
    assert nesting_depth(text) == 2
    assert decode(text) == json.loads(text)
    assert too_deep(text.encode()) is False


def test_what_no_parser_reads_is_kept_as_text() -> None:
    value = decode('{"a": ')
    assert isinstance(value, UndecodableJSON) and value.reason.startswith("not valid JSON")


def test_integers_past_64_bits_still_decode() -> None:
    assert decode('{"n": 123456789012345678901234567890}') == {"n": 123456789012345678901234567890}


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab,:'),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text('[]{}"\\'), inner, max_size=3)
    ),
    max_leaves=40,
)


def _reference_depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max(map(_reference_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_reference_depth, value.values()), default=0)
    return 0


@settings(max_examples=100, deadline=None)
@given(_json_values, st.booleans())
def test_nesting_depth_matches_the_value(value: Any, pretty: bool) -> None:
    text = json.dumps(value, indent=1 if pretty else None)
    assert nesting_depth(text) == _reference_depth(value)


def test_the_marker_is_an_empty_mapping_that_is_never_encoded() -> None:
    marker = decode(_arrays(MAX_DEPTH + 1))
    assert isinstance(marker, UndecodableJSON)
    assert river.UndecodableJSON is UndecodableJSON
    assert len(marker) == 0 and list(marker) == [] and "output" not in marker
    assert marker.get("river:resumable_step") is None
    with pytest.raises(KeyError):
        marker["x"]
    with pytest.raises(TypeError):
        json.dumps(marker)  # never written back as {}
    assert marker != {} and marker == decode(_arrays(MAX_DEPTH + 1))
    assert len(repr(marker)) < 200
    with pytest.raises(AttributeError):
        marker.text = "{}"  # type: ignore[misc]


@dataclass
class DeepArgs:
    kind = "deep_args"
    a: Any = None


class OwnParser:
    kind = "own_parser"
    calls = 0

    @classmethod
    def from_json(cls, text: str) -> OwnParser:
        cls.calls += 1
        return cls()


class Model(BaseModel):
    a: Any = None


@pytest.mark.parametrize("depth", [1_000, 100_000])
@pytest.mark.parametrize("args_type", [DeepArgs, dict, OwnParser, Model])
def test_deep_args_are_an_args_decode_error(depth: int, args_type: Any) -> None:
    with pytest.raises(river.ArgsDecodeError) as info:
        decode_args(args_type, '{"a": ' + _arrays(depth - 1) + "}")
    assert f"nested deeper than {MAX_DEPTH} levels" in str(info.value)
    assert args_type.__name__ in str(info.value)
    assert OwnParser.calls == 0


def test_args_at_the_limit_decode() -> None:
    text = '{"a": ' + _arrays(MAX_DEPTH - 1) + "}"
    assert decode_args(DeepArgs, text) == DeepArgs(a=json.loads(text)["a"])


def test_a_deep_notification_payload_is_ignored() -> None:
    assert parse_payload('{"queue": ' + _arrays(100_000) + "}") == {}
    assert parse_payload(b'{"queue": "q"}') == {"queue": "q"}


@pytest.mark.parametrize(
    "number", [123456789012345678901234567890, -18446744073709551617, 18446744073709551616]
)
def test_args_decoded_for_workers_keep_integers_past_64_bits_exact(number: int) -> None:
    text = '{"a": ' + str(number) + ', "b": [1.5, "x"]}'
    assert decode_args(dict, text) == {"a": number, "b": [1.5, "x"]}
    assert decode_args(DeepArgs, text).a == number
    assert type(decode_args(dict, text)["a"]) is int
