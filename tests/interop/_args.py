"""Args for the interop tests: any JSON text under any kind, as a river-queue args class."""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def raw_args_type(kind: str) -> type[Any]:
    """An args class of ``kind`` whose JSON is given text, kept as is (Go's RawArgs)."""

    def __init__(self: Any, text: str = "{}") -> None:
        self.text = text

    def to_json(self: Any) -> str:
        return str(self.text)

    def from_json(cls: type[Any], text: str) -> Any:
        return cls(text)

    return type(
        f"Raw_{kind}",
        (),
        {"kind": kind, "__init__": __init__, "to_json": to_json,
         "from_json": classmethod(from_json)},
    )


def raw_args(kind: str, text: str) -> Any:
    return raw_args_type(kind)(text)
