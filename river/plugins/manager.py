"""The plugin manager: registers river's plugins once and answers typed questions.

The drivers bundled with river-queue are registered directly (under their entry-point
names); other plugins come from entry points of the ``river`` group.
``RIVER_DISABLE_PLUGIN_AUTOLOAD`` skips those entry points, ``RIVER_DISABLED_PLUGINS``
(a comma list) blocks plugins by name, bundled ones included, and
``RIVER_STRICT_PLUGINS=1`` makes a plugin that fails to load an error instead of a
warning.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
import os
import warnings
from collections.abc import Iterable
from functools import cache
from typing import Any

import pluggy

from river.errors import DriverNotFoundError, RiverError
from river.middleware import AnyHook, AnyMiddleware
from river.plugins import hookspecs
from river.plugins.specs import DriverSpec

GROUP = "river"
# Plugins of river itself, registered first (so their middleware runs innermost).
BUILTIN = {
    "river.resumable": "river.plugins.resumable",
    "river.workflow": "river.plugins.workflow",
    "river.batch": "river.plugins.batch",
}
# Plugin modules of the bundled drivers; importing them imports no database library.
BUNDLED = {
    "psycopg3": "river_psycopg3.plugin",
    "psycopg2": "river_psycopg2.plugin",
    "asyncpg": "river_asyncpg.plugin",
}
logger = logging.getLogger("river.plugins")


class PluginLoadError(RiverError):
    """A plugin could not be loaded, or two plugins register the same driver name."""


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def disabled_plugins() -> set[str]:
    raw = os.environ.get("RIVER_DISABLED_PLUGINS", "")
    return {name.strip() for name in raw.split(",") if name.strip()}


@cache
def get_plugin_manager() -> pluggy.PluginManager:
    """The process's plugin manager, built on first use (``cache_clear()`` rebuilds it)."""
    pm = pluggy.PluginManager(GROUP)
    pm.add_hookspecs(hookspecs)
    for name in disabled_plugins():
        pm.set_blocked(name)
    for name, module in BUILTIN.items():
        if not pm.is_blocked(name):
            pm.register(importlib.import_module(module), name=name)
    for name, module in BUNDLED.items():
        if not pm.is_blocked(name):
            _register(pm, name, module, lambda module=module: importlib.import_module(module))
    if not _env_flag("RIVER_DISABLE_PLUGIN_AUTOLOAD"):
        for ep in importlib.metadata.entry_points(group=GROUP):
            if not (pm.is_blocked(ep.name) or pm.has_plugin(ep.name)):
                _register(pm, ep.name, ep.value, ep.load)
    pm.check_pending()
    return pm


def _register(pm: pluggy.PluginManager, name: str, where: str, load: Any) -> None:
    try:
        plugin = load()
    except Exception as exc:
        message = f"river plugin {name!r} ({where}) failed to load: {exc}"
        if _env_flag("RIVER_STRICT_PLUGINS"):
            raise PluginLoadError(message) from exc
        warnings.warn(message, RuntimeWarning, stacklevel=4)
        return
    pm.register(plugin, name=name)


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


def contributions(
    hook: str, is_async: bool, *, disabled: Iterable[str] = ()
) -> list[tuple[str, AnyMiddleware | AnyHook]]:
    """``(plugin name, object)`` pairs a hook returns, in pluggy's call order (the plugin
    registered last first). A plugin that raises is reported by name."""
    pm = get_plugin_manager()
    skip = set(disabled) | disabled_plugins()
    out: list[tuple[str, AnyMiddleware | AnyHook]] = []
    for impl in reversed(getattr(pm.hook, hook).get_hookimpls()):
        if impl.plugin_name in skip:
            continue
        try:
            batch = impl.function(is_async=is_async)
            out.extend((impl.plugin_name, obj) for obj in batch or ())
        except Exception as exc:
            raise PluginLoadError(
                f"river plugin {impl.plugin_name!r} failed in {hook}: {type(exc).__name__}: {exc}"
            ) from exc
    return out


def plugin_names() -> list[str]:
    """Names of the registered plugins, in registration order."""
    return [name for name, plugin in get_plugin_manager().list_name_plugin() if plugin is not None]
