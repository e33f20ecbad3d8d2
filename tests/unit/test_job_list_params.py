"""``JobListParams`` rules that need no database: ordering by NULL columns, cursors, and
the guard on raw ``where`` conditions."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest

import river
from river.driver import list_query
from river.types import JobState

FINALIZED = [JobState.CANCELLED, JobState.COMPLETED, JobState.DISCARDED]


@pytest.mark.parametrize(
    ("order_by", "states", "column"),
    [
        ("finalized_at", [JobState.COMPLETED, JobState.AVAILABLE], "finalized_at"),
        ("finalized_at", [JobState.RUNNING], "finalized_at"),
        ("time", [JobState.COMPLETED, JobState.SCHEDULED], "finalized_at"),
        ("time", [JobState.RUNNING, JobState.AVAILABLE], "attempted_at"),
        ("attempted_at", [], "attempted_at"),
        ("attempted_at", [JobState.SCHEDULED], "attempted_at"),
    ],
)
def test_ordering_by_a_column_null_for_the_states_is_refused(
    order_by: str, states: list[JobState], column: str
) -> None:
    with pytest.raises(river.JobListOrderError, match=column):
        river.JobListParams(order_by=order_by, states=states)


@pytest.mark.parametrize(
    ("order_by", "states", "column"),
    [
        ("time", [], "scheduled_at"),
        ("time", [JobState.AVAILABLE, JobState.RUNNING], "scheduled_at"),
        ("time", [JobState.PENDING], "scheduled_at"),
        ("time", [JobState.RUNNING, JobState.RETRYABLE], "attempted_at"),
        ("time", [JobState.DISCARDED, *FINALIZED], "finalized_at"),
        ("finalized_at", [], "finalized_at"),
        ("finalized_at", FINALIZED, "finalized_at"),
        ("attempted_at", [JobState.RUNNING, JobState.COMPLETED], "attempted_at"),
        ("scheduled_at", [], "scheduled_at"),
        ("created_at", [JobState.RUNNING], "created_at"),
    ],
)
def test_time_follows_the_first_state(order_by: str, states: list[JobState], column: str) -> None:
    query, args = list_query.job_list(river.JobListParams(order_by=order_by, states=states))
    assert f"ORDER BY {column} ASC, id ASC" in query
    if order_by == "finalized_at" and not states:
        assert args["states"] == ["cancelled", "completed", "discarded"]


def test_bad_order_limit_and_state_are_typed_errors() -> None:
    with pytest.raises(river.InvalidJobListParamsError, match="one of: id, time"):
        river.JobListParams(order_by="kind")
    for limit in (0, 10_001, "5"):
        with pytest.raises(river.InvalidJobListParamsError, match="limit"):
            river.JobListParams(limit=limit)  # type: ignore[arg-type]
    with pytest.raises(river.InvalidJobListParamsError, match="state"):
        river.JobListParams(states=["nope"])  # type: ignore[list-item]
    assert issubclass(river.JobListOrderError, ValueError)


def _go_cursor(payload: dict[str, object]) -> str:
    # River Go writes the JSON with base64's URL alphabet.
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def test_cursor_text_round_trips_and_reads_river_go_cursors() -> None:
    when = dt.datetime(2025, 3, 4, 5, 6, 7, 891011, tzinfo=dt.UTC)
    cursor = river.JobListCursor(id=42, sort_field="finalized_at", time=when, kind="k", queue="q")
    assert river.JobListCursor.decode(cursor.encode()) == cursor
    go = _go_cursor({"id": 42, "kind": "k", "queue": "q", "sort_field": "finalized_at",
                     "time": "2025-03-04T05:06:07.891011123Z"})
    assert river.JobListCursor.decode(go) == cursor
    by_id = _go_cursor({"id": 7, "kind": "k", "queue": "q", "sort_field": "id",
                        "time": "0001-01-01T00:00:00Z"})
    params = river.JobListParams(after=by_id)
    assert params.after == river.JobListCursor(id=7, kind="k", queue="q")
    query, args = list_query.job_list(params)
    assert "id > @after_id::bigint" in query and args["after_id"] == 7
    desc = river.JobListParams(order_by="finalized_at", descending=True, after=go)
    query, args = list_query.job_list(desc)
    assert "(finalized_at, id) < (@after_time::timestamptz, @after_id::bigint)" in query
    assert args["after_time"] == when


@pytest.mark.parametrize(
    "text", ["", "not base64!", base64.b64encode(b"[1]").decode(), _go_cursor({"id": "1"}),
             _go_cursor({"id": 1, "sort_field": "id", "time": "yesterday"})],
)
def test_garbage_cursor_is_a_typed_error(text: str) -> None:
    with pytest.raises(river.InvalidJobListParamsError, match="not a job list cursor"):
        river.JobListCursor.decode(text)
    with pytest.raises(river.InvalidJobListParamsError):
        river.JobListParams(after=text)


def test_cursor_with_url_safe_characters_round_trips() -> None:
    # River v0.48 fixed Go cursors whose URL-safe base64 holds "-" or "_" not decoding.
    texts = {}
    for kind in ("~~~?", "~?~?~", "?~??~~", "~??~"):
        cursor = river.JobListCursor(id=1, kind=kind, queue="q")
        texts[cursor.encode()] = cursor
    assert any("-" in t for t in texts) and any("_" in t for t in texts)
    for text, cursor in texts.items():
        assert river.JobListCursor.decode(text) == cursor
        assert river.JobListCursor.decode(_go_cursor({"id": 1, "kind": cursor.kind, "queue": "q",
                                                      "sort_field": "id",
                                                      "time": "0001-01-01T00:00:00Z"})) == cursor


def test_cursor_must_match_the_ordering() -> None:
    cursor = river.JobListCursor(id=1)
    with pytest.raises(river.InvalidJobListParamsError, match="ordered by 'id'"):
        river.JobListParams(order_by="scheduled_at", after=cursor)
    with pytest.raises(river.InvalidJobListParamsError, match="needs a time"):
        river.JobListParams(order_by="time", after=river.JobListCursor(id=1, sort_field="time"))
    unresolved = river.JobListCursor.from_job(_row())
    with pytest.raises(river.InvalidJobListParamsError, match="last_cursor"):
        unresolved.encode()
    with pytest.raises(river.InvalidJobListParamsError, match="has no finalized_at"):
        river.JobListParams(order_by="finalized_at", after=unresolved)
    with pytest.raises(river.InvalidJobListParamsError, match="after takes"):
        river.JobListParams(after=3.5)  # type: ignore[arg-type]


def _row() -> river.JobRow:
    now = dt.datetime.now(dt.UTC)
    return river.JobRow(
        id=9, state=JobState.AVAILABLE, attempt=0, max_attempts=25, attempted_at=None,
        created_at=now, finalized_at=None, scheduled_at=now, priority=1, encoded_args="{}",
        attempted_by=[], errors=[], kind="k", metadata={}, queue="default", tags=[],
    )


@pytest.mark.parametrize(
    ("sql", "args", "problem"),
    [
        ("", {}, "needs SQL"),
        ("kind = @k; DROP TABLE river_job", {"k": "x"}, "';'"),
        ("kind = @k -- rest", {"k": "x"}, "comment"),
        ("kind = @k /* rest */", {"k": "x"}, "comment"),
        ("kind = $1", {}, "'\\$'"),
        ("kind = $$x$$", {}, "'\\$'"),
        ("kind = E'\\'' OR true", {}, "prefixed string"),
        ("(kind = @k", {"k": "x"}, "unbalanced"),
        ("kind = @k)) OR ((true", {"k": "x"}, "unbalanced"),
        ("kind = 'open", {}, "unterminated"),
        ("kind = '@k'", {"k": "x"}, "inside quoted text"),
        ("kind = @k", {}, "without a value"),
        ("kind = 'x'", {"k": "x"}, "does not use"),
        ("kind = @k", {"k x": 1, "k": 1}, "not an identifier"),
    ],
)
def test_where_guard(sql: str, args: dict[str, object], problem: str) -> None:
    with pytest.raises(river.InvalidJobListParamsError, match=problem):
        river.JobListWhere(sql, args)


def test_where_conditions_join_with_and_and_keep_their_names() -> None:
    first_args = {"m": "{}"}
    first = river.JobListWhere("metadata @> @m::jsonb AND kind = 'it''s'", first_args)
    second = river.JobListWhere("type_e = 'x' OR args @@ @path::jsonpath", {"path": "$.a"})
    query, args = list_query.job_list(river.JobListParams(where=[first, second], kinds=["k"]))
    assert "kind = any(@kinds::text[]) AND (metadata @> @m::jsonb AND kind = 'it''s') AND " in query
    assert args["m"] == "{}" and args["path"] == "$.a"
    # The caller's args are not written into (River v0.51.2 fixed Go doing so), and a
    # first condition without args merges with later ones.
    assert first_args == {"m": "{}"} and args is not first_args
    bare = river.JobListWhere("kind = 'x'")
    _, args = list_query.job_list(river.JobListParams(where=[bare, second]))
    assert bare.args == {} and args["path"] == "$.a"
    again = river.JobListWhere("priority = @m", {"m": 1})
    with pytest.raises(river.InvalidJobListParamsError, match="@m is already used"):
        list_query.job_list(river.JobListParams(where=[first, again]))
    with pytest.raises(river.InvalidJobListParamsError, match="JobListWhere"):
        river.JobListParams(where=["kind = 'x'"])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"metadata_contains": "not json"}, "metadata_contains is not JSON text"),
        ({"metadata_contains": '{"a": NaN}'}, "metadata_contains is not JSON text"),
        ({"args_contains": '{"a": Infinity}'}, "args_contains is not JSON text"),
        ({"metadata_contains": {"a": float("nan")}}, "metadata_contains cannot be encoded"),
        ({"args_contains": {"a": object()}}, "args_contains cannot be encoded"),
        ({"args_contains": "[1]"}, "args_contains must be a JSON object"),
        ({"metadata_contains": '"text"'}, "metadata_contains must be a JSON object"),
        ({"args_contains": 5}, "args_contains takes a mapping or its JSON text"),
        ({"metadata_contains": '{"a": "\\u0000"}'}, "metadata_contains holds .* NUL"),
        ({"metadata_contains": {"a": "x\x00"}}, "metadata_contains holds .* NUL"),
        ({"args_contains": {"a": "\ud800"}}, "args_contains holds .* surrogate"),
        ({"kinds": ["echo\x00"]}, "kinds value .* NUL"),
        ({"queues": ["\ud800"]}, "queues value .* surrogate"),
        ({"tags_any": ["a", 5]}, "tags_any takes strings"),
        ({"args_text": "a\x00b"}, "args_text value .* NUL"),
    ],
)
def test_filter_values_postgres_cannot_take_are_typed_errors(
    params: dict[str, object], problem: str
) -> None:
    with pytest.raises(river.InvalidJobListParamsError, match=problem):
        river.JobListParams(**params)  # type: ignore[arg-type]


def test_a_filter_counts_unless_every_job_matches_it() -> None:
    assert river.JobListParams(metadata_contains="{}").filters_empty()
    assert river.JobListParams(metadata_contains={}).filters_empty()
    assert river.JobListParams(args_contains=" {} ", args_text="").filters_empty()
    assert not river.JobListParams(metadata_contains='{"a": {}}').filters_empty()
    assert not river.JobListParams(args_contains={"a": 1}).filters_empty()
    assert not river.JobListParams(args_text=" ").filters_empty()
    # Every state, or every priority the table allows, is every job.
    assert river.JobListParams(states=list(river.JobState)).filters_empty()
    assert river.JobListParams(states=[s.value for s in river.JobState]).filters_empty()
    assert river.JobListParams(priorities=[4, 3, 2, 1, 1]).filters_empty()
    assert not river.JobListParams(states=list(river.JobState)[1:]).filters_empty()
    assert not river.JobListParams(priorities=[1, 2, 3]).filters_empty()
    # The listing binds the text either form stands for.
    _, args = list_query.job_list(river.JobListParams(metadata_contains={"a": 1}, args_contains='{"b": 2}'))
    assert json.loads(args["metadata_contains"]) == {"a": 1}
    assert json.loads(args["args_contains"]) == {"b": 2}


@pytest.mark.parametrize(
    ("value", "problem"),
    [("a\x00b", "NUL"), ("\udc80", "surrogate"), (["ok", "x\x00"], "NUL")],
)
def test_where_values_postgres_cannot_take_are_typed_errors(value: object, problem: str) -> None:
    with pytest.raises(river.InvalidJobListParamsError, match=f"@k .*{problem}"):
        river.JobListWhere("kind = any(@k)", {"k": value})


@pytest.mark.parametrize(
    "sql",
    [
        "kind = 'a' AND \"set\" IS NULL",
        "CAST(priority AS numeric(10, 2)) > 1 AND kind::character varying(10) = 'a'",
        "pg_catalog.lower(kind) = 'a' AND EXISTS (SELECT 1 FROM river_queue q WHERE q.name = queue)",
        "scheduled_at > now() - interval '1 hour' AND extract(epoch FROM created_at) > 0",
        "coalesce(jsonb_array_length(args->'lines'), 0) > 0 OR cardinality(tags) = 0",
        "kind LIKE 'a!_%' ESCAPE '!' AND args->>'path' <> '$.x'",
        "kind IN (SELECT name FROM river_queue AS rq(name))",
    ],
)
def test_where_conditions_developers_write_pass(sql: str) -> None:
    river.JobListWhere(sql, {})
