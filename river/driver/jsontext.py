"""JSON Postgres cannot store in ``jsonb``: strings holding NUL (``\\u0000``) or lone
UTF-16 surrogates (raw, which cannot be sent as UTF-8, or escaped ``\\ud800``), and
NaN or ±Infinity (Python's ``json`` writes ``NaN``, which Postgres rejects; ``orjson``
writes ``null``, which loses the value).

``encode_json`` is the one check every value a user hands over for a ``jsonb`` column
goes through (job output and metadata, queue metadata, metadata a middleware stages): it
encodes the value and raises ``InvalidJSONValueError`` naming the field, where inside it
and the offending value. The check is a cheap substring scan of the encoded text; the
exact one (walk the value) runs only when that scan finds a suspect or encoding fails.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from river.errors import InvalidJSONValueError

_RAW_SURROGATE = re.compile("[\ud800-\udfff]")


def _suspect(text: str) -> bool:
    return (
        "\\u0000" in text
        or "\\ud" in text
        or "\\uD" in text
        or (not text.isascii() and _RAW_SURROGATE.search(text) is not None)
    )


def _bad_string(s: str) -> bool:
    return "\x00" in s or (not s.isascii() and _RAW_SURROGATE.search(s) is not None)


def _walk_bad(value: Any) -> bool:
    if isinstance(value, str):
        return _bad_string(value)
    if isinstance(value, dict):
        return any(_bad_string(k) or _walk_bad(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_walk_bad(v) for v in value)
    return False


def unstorable_reason(text: str) -> str | None:
    """Why ``text`` cannot be stored as ``jsonb``, or None when it can."""
    if not _suspect(text):
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return f"not valid JSON: {exc}"
    if _walk_bad(value):
        return "a string holds a NUL character or a lone surrogate, which Postgres cannot store"
    return None


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return _clean_string(value)
    if isinstance(value, dict):
        return {_clean_string(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _clean_string(s: str) -> str:
    s = s.replace("\x00", "\ufffd")
    return _RAW_SURROGATE.sub("\ufffd", s) if not s.isascii() else s


def sanitize(text: str) -> str:
    """``text`` with NULs and lone surrogates replaced by U+FFFD (storable as ``jsonb``)."""
    if not _suspect(text):
        return text
    try:
        return json.dumps(_clean(json.loads(text)))
    except (ValueError, RecursionError):
        return json.dumps(text)


_NAN_REASON = "NaN and ±Infinity have no JSON form (Postgres's jsonb rejects them)"
_NUL_REASON = "a NUL character (\\u0000) cannot be stored by Postgres's jsonb"
_SURROGATE_REASON = "a lone UTF-16 surrogate cannot be stored by Postgres's jsonb"


def _string_problem(s: str) -> str | None:
    if "\x00" in s:
        return _NUL_REASON
    if not s.isascii() and _RAW_SURROGATE.search(s) is not None:
        return _SURROGATE_REASON
    return None


def _leaf_problem(value: Any) -> str | None:
    if isinstance(value, str):
        return _string_problem(value)
    if isinstance(value, float) and not math.isfinite(value):
        return _NAN_REASON
    if value is None or isinstance(value, (bool, int, float)):
        try:
            json.dumps(value)  # ints past Python's digit limit fail here
        except ValueError as exc:
            return f"cannot be encoded as JSON: {exc}"
        return None
    return f"a {type(value).__name__} is not JSON-encodable"


def _key_problem(key: Any) -> str | None:
    if isinstance(key, str):
        return _string_problem(key)
    if isinstance(key, float) and not math.isfinite(key):
        return _NAN_REASON
    if key is None or isinstance(key, (bool, int, float)):
        return None  # json writes these keys as strings
    return f"a {type(key).__name__} is not JSON-encodable as an object key"


def find_unstorable(value: Any) -> tuple[str, Any, str] | None:
    """The first part of ``value`` that cannot be stored as ``jsonb``, as (path inside
    ``value`` such as ``'["a"][2]'``, the offending value, why), or None. Walks without
    recursion, so any depth is fine; a container holding itself is reported."""
    stack: list[tuple[str, Any, frozenset[int]]] = [("", value, frozenset())]
    while stack:
        path, item, parents = stack.pop()
        if isinstance(item, (dict, list, tuple)):
            if id(item) in parents:
                return path, item, "the value contains itself (a circular reference)"
            inside = parents | {id(item)}
            children: list[tuple[str, Any, frozenset[int]]] = []
            if isinstance(item, dict):
                for key, child in item.items():
                    key_path = f"{path}[{key!r}]"
                    reason = _key_problem(key)
                    if reason is not None:
                        return key_path, key, f"key: {reason}"
                    children.append((key_path, child, inside))
            else:
                children = [(f"{path}[{i}]", child, inside) for i, child in enumerate(item)]
            stack.extend(reversed(children))
            continue
        reason = _leaf_problem(item)
        if reason is not None:
            return path, item, reason
    return None


def encode_json(field: str, value: Any) -> str:
    """``value`` as JSON text ``jsonb`` can store, or ``InvalidJSONValueError`` naming
    ``field``, the path inside it and the offending value."""
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        found = find_unstorable(value)
        if found is None:  # json's own limits, e.g. nesting deeper than its recursion
            raise InvalidJSONValueError(
                field, value, f"cannot be encoded as JSON: {type(exc).__name__}: {exc}"
            ) from exc
        raise InvalidJSONValueError(field, found[1], found[2], found[0]) from exc
    if _suspect(text):
        found = find_unstorable(value)
        if found is not None:
            raise InvalidJSONValueError(field, found[1], found[2], found[0])
    return text


def check_json_text(field: str, text: str) -> None:
    """Raise ``InvalidJSONValueError`` if JSON ``text`` (made elsewhere) holds NaN,
    ±Infinity, a NUL or a lone surrogate. Only text the cheap scan finds suspect is
    parsed (and then must be JSON)."""
    if not _suspect(text) and "NaN" not in text and "Infinity" not in text:
        return
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InvalidJSONValueError(field, text, f"not valid JSON: {exc}") from exc
    found = find_unstorable(value)
    if found is not None:
        raise InvalidJSONValueError(field, found[1], found[2], found[0])


def clean_string(s: str) -> str:
    """``s`` with NULs and lone surrogates replaced by U+FFFD (storable in ``jsonb``)."""
    if "\x00" not in s and s.isascii():
        return s
    return _clean_string(s)
