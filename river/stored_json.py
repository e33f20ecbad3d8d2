"""Decoding JSON read from the database (args, metadata, errors, queue metadata).

Postgres stores ``jsonb`` nested far deeper than Python can handle: the stdlib parser
recurses once a level and fails near 1,000, and the values it returns are walked
recursively again by ``repr``, ``json.dumps``, ``copy.deepcopy`` and templates. So
stored JSON nested deeper than ``MAX_DEPTH`` is not decoded at all: it is handed on as
an ``UndecodableJSON`` holding the raw text and the reason, and nothing recurses on it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from itertools import accumulate
from typing import Any, NoReturn

MAX_DEPTH = 256
"""The deepest nesting of arrays and objects decoded: deep enough for any real args or
metadata, and shallow enough that code walking the value recursively (``repr``,
``json.dumps``, ``copy.deepcopy``, a template) stays well inside Python's recursion limit."""

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
# Each bracket as a byte one above (opening) or below (closing) 1, so that subtracting 1
# gives the change in depth: the running sum is then the nesting depth, computed in C.
_STEPS = str.maketrans({"[": "\x02", "{": "\x02", "]": "\x00", "}": "\x00"})


def nesting_depth(text: str) -> int:
    """How deeply arrays and objects nest in JSON ``text`` (0 for a scalar); brackets
    inside strings do not count. Never recurses."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text)).translate(_STEPS)
    return max(accumulate(map((-1).__add__, brackets.encode("latin-1"))), default=0)


def too_deep(text: str | bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether JSON ``text`` nests deeper than ``limit``. A count of opening brackets
    (an upper bound of the depth) settles almost every text without a scan."""
    if len(text) <= limit:  # fewer characters than levels: no scan needed
        return False
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if text.count("[") + text.count("{") <= limit:
        return False
    return nesting_depth(text) > limit


def depth_reason(limit: int = MAX_DEPTH) -> str:
    """The reason given for JSON nested deeper than ``limit``."""
    return f"JSON nested deeper than {limit} levels is not decoded"


class UndecodableJSON(Mapping[str, Any]):
    """Stored JSON (a job's args or metadata, a queue's metadata) that this client did not
    decode: nested deeper than ``MAX_DEPTH`` levels, or refused by the parser. ``text`` is
    the JSON exactly as stored and ``reason`` says why it was not decoded.

    It stands where the decoded value would be (``JobRow.args``, ``JobRow.metadata``,
    ``Queue.metadata``). As a mapping it is empty, so code looking up metadata keys finds
    none and carries on; encoding it as JSON fails, so it is never written back as ``{}``.
    """

    __slots__ = ("reason", "text")

    text: str
    reason: str

    def __init__(self, text: str, reason: str) -> None:
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "reason", reason)

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise AttributeError(f"UndecodableJSON is immutable: cannot set {name!r}")

    def __getitem__(self, key: str) -> NoReturn:
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, UndecodableJSON):
            return NotImplemented
        return self.text == other.text and self.reason == other.reason

    def __hash__(self) -> int:
        return hash((self.text, self.reason))

    def __repr__(self) -> str:
        shown = self.text if len(self.text) <= 60 else self.text[:60] + "…"
        return f"UndecodableJSON(reason={self.reason!r}, {len(self.text)} chars: {shown!r})"


def decode(text: str) -> Any:
    """The value of stored JSON ``text``, or an ``UndecodableJSON`` when it is nested
    deeper than ``MAX_DEPTH`` or does not parse. Never raises on any text."""
    if text.count("[") + text.count("{") > MAX_DEPTH and nesting_depth(text) > MAX_DEPTH:
        return UndecodableJSON(text, depth_reason())
    # The stdlib parser, as before: it keeps integers past 64 bits exact (orjson reads
    # them as floats).
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        return UndecodableJSON(text, f"not valid JSON: {exc}")
