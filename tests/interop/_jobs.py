"""The jobs both languages insert for each other: every insert option, and args with the
values users really send."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import river
from river.types import JobRow
from tests.interop._args import raw_args
from tests.interop._gopeer import RawJSON

ECHO = "interop_echo"
FIELDS = "interop_unique_fields"
# The peer's UniqueFieldsArgs keys on these paths (its `river:"unique"` struct tags).
FIELDS_PATHS = ["address.street", "amount", "customer", "plan", "zeta"]
PAST = dt.datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)
FUTURE = dt.datetime(2099, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)
QUEUES = ("default", "q_two")


@dataclass(frozen=True)
class Spec:
    kind: str
    args: str  # the args' JSON text, as both sides encode it
    opts: river.InsertOpts | None = None
    workable: bool = True  # False: pending, or scheduled in the future


def specs() -> list[Spec]:
    unique_states = [river.JobState.AVAILABLE, river.JobState.PENDING, river.JobState.RUNNING,
                     river.JobState.SCHEDULED, river.JobState.COMPLETED]
    return [
        Spec(ECHO, '{"text":"\\u003ca\\u0026b\\u003e \u00e9t\u00e9 \u202eevil\u202c \U0001f600",'
             '"big":123456789012345678901234567890,"f":1.5,'
             '"nested":{"z":[1,{"y":null}],"a":true}}'),
        Spec(ECHO, '{"i":2}', river.InsertOpts(
            metadata={"source": "interop", "nested": {"list": [1, "<x>", None]}},
            tags=["tag_one", "tag-two"], priority=3, max_attempts=7, queue="q_two",
        )),
        Spec(ECHO, '{"i":3}', river.InsertOpts(
            scheduled_at=PAST, unique_opts=river.UniqueOpts(by_args=True),
        )),
        Spec(ECHO, '{"i":4}', river.InsertOpts(unique_opts=river.UniqueOpts(
            by_period=dt.timedelta(hours=24), by_queue=True, by_state=unique_states,
        ))),
        Spec(FIELDS, '{"zeta":"z","customer":"c1","note":"n","address":{"street":"s","city":"x"}}',
             river.InsertOpts(unique_opts=river.UniqueOpts(by_args=FIELDS_PATHS))),
        Spec(ECHO, '{"i":6}', river.InsertOpts(pending=True), workable=False),
        Spec(ECHO, '{"i":7}', river.InsertOpts(scheduled_at=FUTURE, priority=4), workable=False),
    ]


def go_job(spec: Spec) -> dict[str, Any]:
    """The peer's request item for ``spec``."""
    job: dict[str, Any] = {"kind": spec.kind, "args": RawJSON(spec.args)}
    o = spec.opts
    if o is not None:
        u = o.unique_opts
        job["opts"] = {
            "max_attempts": o.max_attempts or 0,
            "metadata": o.metadata,
            "pending": o.pending,
            "priority": o.priority or 0,
            "queue": o.queue or "",
            "scheduled_at": o.scheduled_at.isoformat() if o.scheduled_at else None,
            "tags": list(o.tags) if o.tags is not None else None,
            "unique": None if u is None else {
                # Go's typed args carry their unique fields as struct tags.
                "by_args": bool(u.by_args),
                "by_period_seconds": u.by_period.total_seconds() if u.by_period else 0,
                "by_queue": u.by_queue,
                "by_state": None if u.by_state is None else [s.value for s in u.by_state],
                "exclude_kind": u.exclude_kind,
            },
        }
    return job


def py_args(spec: Spec) -> Any:
    return raw_args(spec.kind, spec.args)


def from_go(row: dict[str, Any]) -> dict[str, Any]:
    """The fields compared across languages, from the peer's JSON row."""
    return {
        "id": row["id"], "kind": row["kind"], "queue": row["queue"],
        "args": json.loads(row["encoded_args"]), "metadata": row["metadata"],
        "tags": row["tags"] or [], "priority": row["priority"],
        "max_attempts": row["max_attempts"],
        "scheduled_at": dt.datetime.fromisoformat(row["scheduled_at"]),
        "unique_key": row["unique_key"],
    }


def from_py(row: JobRow) -> dict[str, Any]:
    return {
        "id": row.id, "kind": row.kind, "queue": row.queue,
        "args": json.loads(row.encoded_args), "metadata": row.metadata,
        "tags": row.tags, "priority": row.priority, "max_attempts": row.max_attempts,
        "scheduled_at": row.scheduled_at,
        "unique_key": row.unique_key.hex() if row.unique_key is not None else None,
    }


def expected(spec: Spec) -> dict[str, Any]:
    """What the spec alone says about the row (no id, key or default scheduled time)."""
    o = spec.opts or river.InsertOpts()
    return {
        "kind": spec.kind, "queue": o.queue or "default", "args": json.loads(spec.args),
        "metadata": dict(o.metadata or {}), "tags": list(o.tags or []),
        "priority": o.priority or 1, "max_attempts": o.max_attempts or 25,
        "unique": o.unique_opts is not None,
        **({"scheduled_at": o.scheduled_at} if o.scheduled_at else {}),
    }


def spec_mismatch(fields: dict[str, Any], spec: Spec) -> dict[str, Any]:
    """The fields of a row that differ from what ``spec`` says: {name: (got, wanted)}."""
    want = expected(spec)
    want["unique_key"] = want.pop("unique")
    got = {k: fields[k] for k in want}
    got["unique_key"] = fields["unique_key"] is not None
    return {k: (got[k], want[k]) for k in want if got[k] != want[k]}
