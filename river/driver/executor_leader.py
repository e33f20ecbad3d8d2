# WARNING: this file is generated from 'executor_leader_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""The executor's statements on ``river_leader`` (``sql_leader``): electing, re-electing
and resigning the one leader of a schema.

The sync twin ``executor_leader.py`` is generated from this file.
"""

from __future__ import annotations

from river.driver import sql_leader
from river.driver.executor_core import ExecutorCore
from river.driver.params import LeaderElectParams, LeaderResignParams
from river.driver.rows import leader_from_row
from river.types import Leader


class LeaderQueries(ExecutorCore):
    """The statements on ``river_leader``."""

    # -- leadership -------------------------------------------------------------------

    def leader_delete_expired(self) -> None:
        self.execute(sql_leader.LEADER_DELETE_EXPIRED)

    def leader_attempt_elect(self, params: LeaderElectParams) -> Leader | None:
        row = self.fetch_one(
            sql_leader.LEADER_ATTEMPT_ELECT,
            {"leader_id": params.leader_id, "ttl_seconds": params.ttl.total_seconds()},
        )
        return leader_from_row(row) if row else None

    def leader_attempt_reelect(self, params: LeaderElectParams) -> Leader | None:
        row = self.fetch_one(
            sql_leader.LEADER_ATTEMPT_REELECT,
            {"leader_id": params.leader_id, "ttl_seconds": params.ttl.total_seconds()},
        )
        return leader_from_row(row) if row else None

    def leader_resign(self, params: LeaderResignParams) -> bool:
        rows = self.fetch_all(
            sql_leader.LEADER_RESIGN,
            {"leader_id": params.leader_id, "leadership_topic": params.leadership_topic},
        )
        return bool(rows)

    def leader_get_elected_leader(self) -> Leader | None:
        row = self.fetch_one(sql_leader.LEADER_GET_ELECTED_LEADER)
        return leader_from_row(row) if row else None
