"""``InsertManyParams``: one job of an ``insert_many`` call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from river.insert_opts import InsertOpts


@dataclass(frozen=True, slots=True)
class InsertManyParams:
    """Args and optional insert options for one job of ``insert_many``."""

    args: Any
    opts: InsertOpts | None = None
