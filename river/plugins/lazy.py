"""Lazy loading of driver modules, turning a missing library into a clear error."""

from __future__ import annotations

import importlib
from typing import Any

from river.errors import MissingDriverExtraError


def load(module: str, name: str, *, library: str | tuple[str, ...], extra: str) -> Any:
    """``module.name``, or ``MissingDriverExtraError`` naming ``extra`` when one of the
    driver's ``library`` packages is not installed."""
    libraries = (library,) if isinstance(library, str) else library
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        missing = exc.name.split(".")[0] if exc.name else None
        if missing in libraries:
            raise MissingDriverExtraError(
                f"the {extra} driver needs the {missing} library, which is not installed: "
                f'pip install "river-queue[{extra}]"'
            ) from exc
        raise
    return getattr(mod, name)
