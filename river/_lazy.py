"""Names loaded on first use (keeping a package's import light), and exported classes
presented under their package's name: the one way river-queue and its drivers defer an
import."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from river.errors import MissingDriverExtraError


def present_as(package: str, values: Iterable[Any]) -> None:
    """Show the classes among ``values`` under ``package`` (``river.Config`` rather than
    ``river.config.Config``) in reprs, tracebacks and generated docs."""
    for value in values:
        if isinstance(value, type) and value.__module__.startswith(package + "."):
            value.__module__ = package


def import_attr(
    module: str, name: str, *, libraries: tuple[str, ...] = (), extra: str | None = None
) -> Any:
    """``module.name``; ``MissingDriverExtraError`` naming ``extra`` when importing
    ``module`` fails for want of one of ``libraries`` (a driver's database library)."""
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        missing = exc.name.split(".")[0] if exc.name else None
        if extra is not None and missing in libraries:
            raise MissingDriverExtraError(
                f"the {extra} driver needs the {missing} library, which is not installed: "
                f'pip install "river-queue[{extra}]"'
            ) from exc
        raise
    return getattr(mod, name)


def lazy_getattr(
    package: str,
    names: Mapping[str, str],
    *,
    present: bool = False,
    libraries: tuple[str, ...] = (),
    extra: str | None = None,
) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` that imports ``name`` from the module
    ``names[name]`` on first access and keeps it in the package (``present``: shown
    under the package's name, as ``present_as`` does; ``libraries`` and ``extra``: as
    ``import_attr`` takes them)."""

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = import_attr(module, name, libraries=libraries, extra=extra)
        if present:
            present_as(package, [value])
        vars(sys.modules[package])[name] = value
        return value

    return __getattr__
