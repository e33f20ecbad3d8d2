"""What an args type declares through a method (``sequence_opts()``, ``batch_opts()``),
checked, and the hashed keys built from such options: one rule for sequences and
batches."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any, Protocol, TypeVar


class _Validated(Protocol):
    def validate(self) -> None: ...


OptsT = TypeVar("OptsT", bound=_Validated)


def declared_opts(
    args: Any, method: str, opts_type: type[OptsT], error: type[Exception]
) -> OptsT:
    """``args.<method>()``, checked: what it raises, or returns other than an
    ``opts_type``, becomes ``error`` naming the args type."""
    name = type(args).__name__
    try:
        opts = getattr(args, method)()
    except Exception as exc:
        raise error(f"{name}.{method}() raised {type(exc).__name__}: {exc}") from exc
    if not isinstance(opts, opts_type):
        raise error(f"{name}.{method}() must return river.{opts_type.__name__}, got {opts!r}")
    opts.validate()
    return opts


def hashed_key(
    parts: dict[str, Any], encoded_args: str, by_args: bool | Sequence[str]
) -> str:
    """A SHA-256 of ``parts`` and the args ``by_args`` selects (all of them for True, the
    named fields for a list): a fixed size whatever the args, and equal args give equal
    keys whatever their key order."""
    if by_args:
        decoded = json.loads(encoded_args)
        if by_args is True:
            parts = {**parts, "args": decoded}
        else:
            fields = decoded if isinstance(decoded, dict) else {}
            parts = {**parts, "args": {name: fields.get(name) for name in by_args}}
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
