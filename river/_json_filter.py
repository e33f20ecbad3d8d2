"""The JSON containment filters of a job listing (``metadata_contains``,
``args_contains``): a mapping or its JSON text, checked and turned into the text bound
for ``@>``, and the one value that filters nothing."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from river.errors import InvalidJobListParamsError


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (Postgres's jsonb rejects it)")


def _parsed(field: str, value: Any) -> tuple[str, Any]:
    if isinstance(value, str):
        try:
            return value, json.loads(value, parse_constant=_no_constant)
        except (ValueError, RecursionError) as exc:
            raise InvalidJobListParamsError(f"{field} is not JSON text: {exc}") from None
    if isinstance(value, Mapping):
        try:
            return json.dumps(dict(value), allow_nan=False), value
        except (TypeError, ValueError, RecursionError) as exc:
            raise InvalidJobListParamsError(f"{field} cannot be encoded as JSON: {exc}") from None
    raise InvalidJobListParamsError(
        f"{field} takes a mapping or its JSON text, got {type(value).__name__}"
    )


def _bad_string(value: Any) -> str | None:
    """A string inside ``value`` that ``jsonb`` cannot store, or None."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, str) and (
            "\x00" in item or any(0xD800 <= ord(c) <= 0xDFFF for c in item if not c.isascii())
        ):
            return item
    return None


def json_filter_text(field: str, value: Any) -> str:
    """The JSON text of a containment filter, or ``InvalidJobListParamsError`` naming
    ``field`` when it is not a JSON object ``jsonb`` can hold."""
    text, parsed = _parsed(field, value)
    if not isinstance(parsed, Mapping):
        raise InvalidJobListParamsError(
            f"{field} must be a JSON object (jobs' {field.split('_')[0]} are objects), "
            f"got {type(parsed).__name__}"
        )
    bad = _bad_string(parsed)
    if bad is not None:
        raise InvalidJobListParamsError(
            f"{field} holds the string {bad!r}: a NUL character or a lone surrogate, which "
            "Postgres's jsonb cannot store"
        )
    return text


def filters_nothing(field: str, value: Any) -> bool:
    """Whether the containment filter is absent or the empty object, which every job's
    JSON contains."""
    return value is None or _parsed(field, value)[1] == {}
