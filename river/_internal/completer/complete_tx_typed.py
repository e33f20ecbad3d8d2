"""The typed result of ``job_complete_tx`` (River's ``JobCompleteTx`` returns ``*Job[TArgs]``)."""

from __future__ import annotations

from typing import Any

from river.job_args import decode_args
from river.types import JobRow
from river.worker import Job, Workers


def typed_job(row: JobRow, given: Any, args_type: type[Any] | None, workers: Workers) -> Job[Any] | JobRow:
    """``row`` as a ``Job`` with args decoded into the known args type: ``args_type``,
    else the type of ``given``'s args when it is a ``Job``, else the type registered for
    the kind; the plain row when none is known."""
    if args_type is None and isinstance(given, Job):
        args_type = type(given.args)
    if args_type is None:
        found = workers.get(row.kind)
        args_type = found[1] if found is not None else None
    if args_type is None:
        return row
    return Job(row, decode_args(args_type, row.encoded_args))
