"""The statements on ``river_leader``, the elector's (River's ``river_leader.sql``).

``@name`` parameters; ``/* TEMPLATE: schema */`` prefixes (see ``river.driver.query``).
"""

from __future__ import annotations

from river.driver.query import SCHEMA_MARK as S

LEADER_COLS = "leader_id, elected_at, expires_at"

LEADER_DELETE_EXPIRED = f"DELETE FROM {S}river_leader WHERE expires_at < now()"

LEADER_ATTEMPT_ELECT = f"""
INSERT INTO {S}river_leader (leader_id, elected_at, expires_at)
VALUES (@leader_id::text, now(), now() + make_interval(secs => @ttl_seconds::float8))
ON CONFLICT (name) DO NOTHING
RETURNING {LEADER_COLS}
"""

LEADER_ATTEMPT_REELECT = f"""
UPDATE {S}river_leader
SET expires_at = now() + make_interval(secs => @ttl_seconds::float8)
WHERE leader_id = @leader_id::text AND expires_at >= now()
RETURNING {LEADER_COLS}
"""

LEADER_RESIGN = f"""
WITH resigned AS (
    DELETE FROM {S}river_leader WHERE leader_id = @leader_id::text RETURNING leader_id
)
SELECT pg_notify(
    @leadership_topic::text,
    json_build_object('leader_id', leader_id, 'action', 'resigned')::text
)
FROM resigned
"""

LEADER_GET_ELECTED_LEADER = f"SELECT {LEADER_COLS} FROM {S}river_leader"
