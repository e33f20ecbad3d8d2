"""Hypothesis strategies for the JSON-ish values users and other clients hand over:
NaN, ±Infinity, huge integers, deep nesting, NUL, lone surrogates, bidi controls,
markup, and (rarely) megabyte strings; plus the settings the property suites share
(fixed seed, bounded examples, no deadline, no example database)."""

from __future__ import annotations

import math
import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Text that must come back as it went in, or be refused, and never run as markup.
HOSTILE_TEXT = [
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfff",
    "\ud83d",  # half of an emoji's surrogate pair
    "\u202eevil\u202c",  # right-to-left override
    "\u2066isolate\u2069",
    "\u200f\u061c",
    "\\u0000",  # the six characters, not a NUL
    "\\ud800",
    '"quoted" \\ back',
    "</pre><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "{{ 7 * 7 }}{% raw %}",
    "\ufeff\u0085\u2028\u2029",
    "NaN",
    "-Infinity",
    "1e400",
    "\x1b[31m",
    "😀" * 3,
]
HUGE_INTS = [2**53 + 1, 2**63, -(2**63) - 1, 2**64, 10**30, -(10**100), 10**4000]
SPECIAL_FLOATS = [math.nan, math.inf, -math.inf, -0.0, 1e308, 5e-324, 1.7976931348623157e308]
MEGABYTE = 1_000_000

# Every code point, surrogates included (hypothesis leaves them out by default).
_chars = st.characters(codec=None, exclude_categories=())
texts = st.one_of(st.text(_chars, max_size=20), st.sampled_from(HOSTILE_TEXT))
keys = st.one_of(st.text(_chars, max_size=8), st.sampled_from(HOSTILE_TEXT))
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(HUGE_INTS),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(SPECIAL_FLOATS),
    texts,
)
nested = st.recursive(
    leaves,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=12,
)


class Big:
    """A value too deep or too large to print: hypothesis reports it by ``label``."""

    def __init__(self, label: str, value: Any) -> None:
        self.label = label
        self.value = value

    def __repr__(self) -> str:
        return self.label


def unwrap(value: Any) -> Any:
    """The value a strategy stands for (``Big`` holds the deep and huge ones)."""
    return value.value if isinstance(value, Big) else value


def deep(depth: int, kind: str = "list", leaf: Any = 1) -> Big:
    """``leaf`` inside ``depth`` levels of lists (or single-key objects), built without
    recursion: hypothesis never nests this deep by itself."""
    value = leaf
    for _ in range(depth):
        value = [value] if kind == "list" else {"k": value}
    return Big(f"deep({depth}, {kind!r}, {leaf!r})", value)


def big_text(unit: str, times: int) -> Big:
    return Big(f"{unit!r} * {times}", unit * times)


deep_values = st.builds(
    deep,
    st.integers(min_value=300, max_value=5_000),
    st.sampled_from(["list", "dict"]),
    st.one_of(st.integers(0, 9), st.sampled_from(HOSTILE_TEXT)),
)
megabyte_strings = st.sampled_from([big_text("x", MEGABYTE), big_text("\u202e<", MEGABYTE // 2)])
# Deep and megabyte values are a small share: most examples are cheap.
json_values = st.one_of(
    nested, nested, nested, nested, nested, nested, nested, deep_values, megabyte_strings
)


def property_settings(max_examples: int) -> settings:
    """Fixed seed, ``max_examples`` bounded, no deadline (a slow machine), no example
    database (CI and every run see the same examples). RIVER_PROPERTY_EXAMPLES sets
    another count, for a longer hunt by hand. The client and schema fixtures
    are shared by a test's examples on purpose: each example uses its own jobs."""
    return settings(
        max_examples=int(os.environ.get("RIVER_PROPERTY_EXAMPLES", max_examples)),
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


def same_json(stored: Any, given: Any) -> bool:
    """Whether ``stored`` (decoded from ``jsonb``) is ``given``: numbers compare by value
    (``jsonb`` keeps numbers as decimals, so ``1e308`` comes back as an int)."""
    stack = [(stored, given)]
    while stack:
        a, b = stack.pop()
        if isinstance(b, bool) or isinstance(a, bool):
            if a is not b:
                return False
        elif isinstance(b, (int, float)):
            if not isinstance(a, (int, float)):
                return False
            if isinstance(a, float) or isinstance(b, float):
                if float(a) != float(b):
                    return False
            elif a != b:
                return False
        elif isinstance(b, list):
            if not isinstance(a, list) or len(a) != len(b):
                return False
            stack.extend(zip(a, b, strict=True))
        elif isinstance(b, dict):
            if not isinstance(a, dict) or a.keys() != b.keys():
                return False
            stack.extend((a[k], b[k]) for k in b)
        elif a != b:
            return False
    return True
