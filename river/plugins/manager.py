"""The plugin manager: loads ``river`` entry points once and answers typed questions.

``RIVER_DISABLE_PLUGIN_AUTOLOAD`` skips entry points, ``RIVER_DISABLED_PLUGINS`` (comma
list) blocks plugins by name, and ``RIVER_STRICT_PLUGINS=1`` makes a broken plugin fatal.
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
import warnings
from collections.abc import Iterable
from functools import cache
from typing import Any

import pluggy

from river.errors import DriverNotFoundError, RiverError
from river.plugins import hookspecs
from river.plugins.specs import DriverSpec

GROUP = "river"
logger = logging.getLogger("river.plugins")


class PluginLoadError(RiverError):
    """A plugin named in an entry point could not be loaded."""


def disabled_plugins() -> set[str]:
    raw = os.environ.get("RIVER_DISABLED_PLUGINS", "")
    return {name.strip() for name in raw.split(",") if name.strip()}


@cache
def get_plugin_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(GROUP)
    pm.add_hookspecs(hookspecs)
    for name in disabled_plugins():
        pm.set_blocked(name)
    from river.plugins import builtin

    pm.register(builtin, name="river.builtin")
    if not os.environ.get("RIVER_DISABLE_PLUGIN_AUTOLOAD"):
        _load_entry_points(pm)
    pm.check_pending()
    return pm


def _load_entry_points(pm: pluggy.PluginManager) -> None:
    for ep in importlib.metadata.entry_points(group=GROUP):
        if pm.is_blocked(ep.name) or pm.has_plugin(ep.name):
            continue
        try:
            plugin = ep.load()
        except Exception as exc:
            message = f"river plugin {ep.name!r} ({ep.value}) failed to load: {exc}"
            if os.environ.get("RIVER_STRICT_PLUGINS") == "1":
                raise PluginLoadError(message) from exc
            warnings.warn(message, RuntimeWarning, stacklevel=2)
            continue
        pm.register(plugin, name=ep.name)


def driver_specs() -> dict[str, DriverSpec]:
    specs: dict[str, DriverSpec] = {}
    for batch in get_plugin_manager().hook.river_drivers():
        for spec in batch:
            if spec.name in specs:
                raise PluginLoadError(f"two plugins register a driver named {spec.name!r}")
            specs[spec.name] = spec
    return specs


def get_driver_class(name: str, *, is_async: bool) -> type:
    """The sync or async driver class registered as ``name``, its library imported.

    Raises ``DriverNotFoundError`` (naming the drivers there are, and their colours) or
    ``MissingDriverExtraError`` (naming the extra to install).
    """
    specs = driver_specs()
    spec = specs.get(name)
    colour = "async" if is_async else "sync"
    if spec is None:
        available = ", ".join(f"{n} ({'/'.join(s.colours)})" for n, s in sorted(specs.items()))
        raise DriverNotFoundError(f"no driver named {name!r}; available: {available or 'none'}")
    loader = spec.load_async if is_async else spec.load_sync
    if loader is None:
        others = sorted(n for n, s in specs.items() if colour in s.colours)
        raise DriverNotFoundError(
            f"driver {name!r} is {'/'.join(spec.colours)}-only; "
            f"{colour} drivers: {', '.join(others) or 'none'}"
        )
    return loader()


def open_driver(url: str, name: str, **pool_options: Any) -> Any:
    """Open a sync driver with its own pool."""
    return get_driver_class(name, is_async=False).open(url, **pool_options)  # type: ignore[attr-defined]


async def aopen_driver(url: str, name: str, **pool_options: Any) -> Any:
    """Open an async driver with its own pool."""
    cls: Any = get_driver_class(name, is_async=True)
    return await cls.open(url, **pool_options)


def middleware(is_async: bool, *, disabled: Iterable[str] = ()) -> list[Any]:
    """Middleware contributed by plugins (except ``disabled`` ones), in plugin order."""
    caller = _hook_caller("river_middleware", disabled)
    return [m for batch in caller(is_async=is_async) for m in batch]


def hooks(is_async: bool, *, disabled: Iterable[str] = ()) -> list[Any]:
    """Lifecycle hooks contributed by plugins (except ``disabled`` ones), in plugin order."""
    caller = _hook_caller("river_hooks", disabled)
    return [h for batch in caller(is_async=is_async) for h in batch]


def _hook_caller(hook: str, disabled: Iterable[str]) -> Any:
    pm = get_plugin_manager()
    skip = [p for p in (pm.get_plugin(name) for name in disabled) if p is not None]
    return pm.subset_hook_caller(hook, skip) if skip else getattr(pm.hook, hook)
