"""How far stopping a ``river worker`` has escalated (``river.shutdown``)."""

from __future__ import annotations

from river.shutdown import EXIT_AT_ONCE, SIGNALS, STAGES, StopRequests

__all__ = ["EXIT_AT_ONCE", "SIGNALS", "STAGES", "StopRequests"]
