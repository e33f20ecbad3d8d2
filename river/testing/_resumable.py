"""Insert options that start a job partway through its resumable steps (River's
``rivertest.ResumableStepAfter`` / ``ResumableStepAtCursor``).

``InsertOpts`` is immutable, so these return a copy with the metadata added (keeping any
metadata already there); ``None`` stands for empty options.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from river.insert_opts import InsertOpts
from river.resumable import METADATA_KEY_CURSOR, METADATA_KEY_STEP, encode_cursor


def resumable_step_after(opts: InsertOpts | None, step: str) -> InsertOpts:
    """Options making the job skip every step up to and including ``step``, as a retry
    after that step completed would."""
    return _merged(opts, {METADATA_KEY_STEP: step})


def resumable_step_at_cursor(opts: InsertOpts | None, step: str, cursor: Any) -> InsertOpts:
    """Options making the job run cursor step ``step`` from ``cursor``, skipping the steps
    before it, as a retry after partial progress would."""
    return _merged(
        opts, {METADATA_KEY_STEP: step, METADATA_KEY_CURSOR: {step: encode_cursor(cursor)}}
    )


def _merged(opts: InsertOpts | None, updates: dict[str, Any]) -> InsertOpts:
    opts = opts or InsertOpts()
    return dataclasses.replace(opts, metadata={**(opts.metadata or {}), **updates})
