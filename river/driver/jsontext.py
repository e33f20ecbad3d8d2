"""JSON text Postgres cannot store in ``jsonb``: strings holding NUL (``\\u0000``) or
lone UTF-16 surrogates (raw, which cannot be sent as UTF-8, or escaped ``\\ud800``).

The check is a cheap substring scan; the exact one (decode and walk) runs only when that
scan finds a suspect.
"""

from __future__ import annotations

import json
import re
from typing import Any

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
