"""Plugins through pluggy: drivers, middleware and hooks, found through the ``river``
entry-point group."""

from __future__ import annotations

import pluggy

from river.plugins.specs import DriverSpec

hookimpl = pluggy.HookimplMarker("river")

__all__ = ["DriverSpec", "hookimpl"]
