"""The pages about jobs: the job list with its state tabs and filters, one job, the
confirmation before a bulk action on every matching job, enqueueing a job, and the
retry, cancel and delete actions on one job or many."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import Response

from river.errors import InvalidInsertError, JobNotFoundError
from river.types import FINALIZED_STATES
from river.ui import present
from river.ui.actions import apply_job_action
from river.ui.dashboard import CSRF_FIELD, Dashboard, HTTPProblem, form_str
from river.ui.enqueue import EnqueueForm
from river.ui.forms import (
    JOB_ACTIONS,
    MAX_BULK,
    PAGE_SIZE,
    BadRequest,
    JobFilters,
    parse_choice,
    parse_id,
    parse_ids,
)
from river.ui.reads import state_counts
from river.workflow import workflow_task_of


async def jobs(dash: Dashboard, request: Request) -> Response:
    filters = JobFilters.parse(request.query_params)
    executor = await dash.executor()
    rows = await executor.job_list(filters.list_params(PAGE_SIZE + 1))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return dash.render(
        request,
        "jobs.html",
        nav="jobs",
        filters=filters,
        jobs=rows,
        counts=await state_counts(executor, filters.queue),
        matching_query=urlencode(filters.query(after=None)),
        next_query=filters.query(after=rows[-1].id) if more and rows else None,
        first_query=filters.query(after=None) if filters.after else None,
        tab_query=lambda state: filters.query(state=state.value, after=None, id=None),
        return_query=urlencode(filters.query()),
    )


async def job(dash: Dashboard, request: Request) -> Response:
    id = parse_id(request.path_params["id"])
    try:
        job = await (await dash.client()).job_get(id)
    except JobNotFoundError:
        raise HTTPProblem(404, f"Job {id} was not found (it may have been deleted).") from None
    return dash.render(
        request,
        "job.html",
        nav="jobs",
        job=job,
        detail=present.job_detail(job),
        finalized=job.state in FINALIZED_STATES,
        workflow=workflow_task_of(job.metadata),
    )


async def jobs_confirm(dash: Dashboard, request: Request) -> Response:
    """Before a bulk action on every job matching the filters: how many it takes."""
    action = parse_choice(request.query_params.get("action"), "action", JOB_ACTIONS)
    filters = JobFilters.parse(request.query_params).without_cursor()
    executor = await dash.executor()
    rows = await executor.job_list(filters.list_params(MAX_BULK + 1))
    return dash.render(
        request,
        "confirm.html",
        nav="jobs",
        action=action,
        filters=filters,
        count=min(len(rows), MAX_BULK),
        more=len(rows) > MAX_BULK,
        bulk_cap=MAX_BULK,
        return_query=urlencode(filters.query()),
    )


async def enqueue_page(dash: Dashboard, request: Request) -> Response:
    if dash.read_only:
        raise HTTPProblem(403, "This dashboard is read-only.")
    return dash.render(request, "enqueue.html", nav="enqueue", form={}, error=None)


async def enqueue(dash: Dashboard, request: Request) -> Response:
    form = await dash.mutation_form(request)
    try:
        wanted = EnqueueForm.parse(form)
        result = await (await dash.client()).insert(wanted.job_args(), wanted.opts())
    except (BadRequest, InvalidInsertError) as exc:
        echo = {k: v for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}
        return dash.render(
            request, "enqueue.html", 400, nav="enqueue", form=echo, error=str(exc)
        )
    id = result.job.id
    line = f"Job {id} inserted ({result.job.state.value})."
    if result.unique_skipped_as_duplicate:
        line = f"Not inserted: job {id} is a live duplicate of it."
    return dash.redirect(request, f"/jobs/{id}", notice={"level": "ok", "lines": [line]})


async def job_action(dash: Dashboard, request: Request) -> Response:
    await dash.mutation_form(request)
    id = parse_id(request.path_params["id"])
    action = parse_choice(request.path_params["action"], "action", JOB_ACTIONS)
    outcomes, conflicts = await apply_job_action(
        await dash.client(), await dash.executor(), action, [id]
    )
    if outcomes.skipped.get("not found"):
        raise HTTPProblem(404, f"Job {id} was not found (it may have been deleted).")
    if id in conflicts:
        raise HTTPProblem(409, conflicts[id])
    if action == "delete" and outcomes.skipped.get("running"):
        raise HTTPProblem(409, f"Job {id} is running: cancel it first, then delete it.")
    if action == "delete" and outcomes.changed:
        return dash.redirect(request, "/jobs", notice=outcomes.notice())
    return dash.redirect(request, f"/jobs/{id}", notice=outcomes.notice())


async def jobs_bulk(dash: Dashboard, request: Request) -> Response:
    form = await dash.mutation_form(request)
    action = parse_choice(form_str(form, "action"), "action", JOB_ACTIONS)
    back = JobFilters.parse(dict(parse_qsl(form_str(form, "return_query") or "")))
    if form_str(form, "all_matching") == "1":
        # Every job the filters match now (up to MAX_BULK), listed again here.
        executor = await dash.executor()
        rows = await executor.job_list(back.without_cursor().list_params(MAX_BULK))
        ids = [job.id for job in rows]
        if not ids:
            notice = {"level": "warn", "lines": ["No job matches these filters now."]}
            return dash.redirect(request, "/jobs", back.query(after=None), notice)
    else:
        ids = parse_ids([v for v in form.getlist("ids") if isinstance(v, str)])
    outcomes, _ = await apply_job_action(
        await dash.client(), await dash.executor(), action, ids
    )
    return dash.redirect(request, "/jobs", back.query(after=None), outcomes.notice())
