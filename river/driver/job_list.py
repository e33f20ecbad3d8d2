"""A job listing's statement pieces: the ``where`` conditions' SQL and values, and the
page of rows with its next cursor. The public types live in ``river.job_list`` (imported
here for code that imports them from this module)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from river.errors import InvalidJobListParamsError
from river.job_list import FINALIZED_STATES as FINALIZED_STATES
from river.job_list import JobListCursor as JobListCursor
from river.job_list import JobListResult as JobListResult
from river.job_list import JobListWhere as JobListWhere
from river.job_list import check_order as check_order
from river.job_list import effective_states as effective_states
from river.job_list import sort_column as sort_column
from river.types import JobRow
from river.where_guard import check_where


def where_fragments(
    conditions: Sequence[JobListWhere], taken: Iterable[str]
) -> tuple[list[str], dict[str, Any]]:
    """The conditions' SQL and values; a name already used by the listing or by an earlier
    condition raises ``InvalidJobListParamsError`` (River's "already registered")."""
    names = set(taken)
    fragments: list[str] = []
    values: dict[str, Any] = {}
    for cond in conditions:
        check_where(cond.sql, cond.args)  # again where it is used: the args may have changed
        for name, value in cond.args.items():
            if name in names:
                raise InvalidJobListParamsError(
                    f"where parameter @{name} is already used by the listing; rename it"
                )
            names.add(name)
            values[name] = value
        fragments.append(f"({cond.sql})")
    return fragments, values


def job_list_result(jobs: Sequence[JobRow], params: Any) -> JobListResult:
    """``jobs`` of a listing by ``params`` (a ``JobListParams``), with the cursor after the
    last one."""
    cursor = None
    if jobs:
        try:
            cursor = JobListCursor.after_job(jobs[-1], params.order_by.value, params.states)
        except InvalidJobListParamsError:  # the row was edited by hand: no next page
            cursor = None
    return JobListResult(jobs, cursor)
