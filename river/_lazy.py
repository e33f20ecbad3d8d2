"""Package attributes loaded on first use (keeping the package's import light), and
exported classes presented under their package's name."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def present_as(package: str, values: Iterable[Any]) -> None:
    """Show the classes among ``values`` under ``package`` (``river.Config`` rather than
    ``river.config.Config``) in reprs, tracebacks and generated docs."""
    for value in values:
        if isinstance(value, type) and value.__module__.startswith(package + "."):
            value.__module__ = package


def lazy_getattr(
    package: str, names: Mapping[str, str], *, present: bool = False
) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` that imports ``name`` from the module
    ``names[name]`` on first access and keeps it in the package (``present``: shown
    under the package's name, as ``present_as`` does)."""

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        if present:
            present_as(package, [value])
        vars(sys.modules[package])[name] = value
        return value

    return __getattr__
