"""Lazy loading of driver modules, turning a missing library into a clear error."""

from __future__ import annotations

import importlib
from typing import Any

from river.errors import MissingDriverExtraError


def load(module: str, name: str, *, library: str, extra: str) -> Any:
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        if exc.name is not None and exc.name.split(".")[0] == library:
            raise MissingDriverExtraError(
                f"the {extra} driver needs the {library} library: "
                f'pip install "river-queue[{extra}]"'
            ) from exc
        raise
    return getattr(mod, name)
