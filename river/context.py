"""Functions a worker calls about the job it is working (River's ``ctx`` helpers)."""

from __future__ import annotations

from typing import Any

from river.driver.jsontext import encode_json
from river.errors import InvalidJSONValueError, InvalidMetadataError
from river.job_context import current_job, require_job_context

_MAX_OUTPUT_BYTES = 32 * 1024 * 1024


def record_output(value: Any) -> None:
    """Store ``value`` (JSON-encodable) as the job's output when the attempt finishes."""
    ctx = require_job_context("record_output")
    _encode_output(value)
    ctx.metadata_updates["output"] = value


def output_metadata_merge(job_id: int, output: Any) -> str | None:
    """The metadata JSON that ``job_update`` merges for ``output``: the given value, or
    else the output recorded so far when job ``job_id`` is the one being worked here;
    None when there is nothing to store."""
    if output is None:
        ctx = current_job.get()
        if ctx is None or ctx.job.id != job_id or "output" not in ctx.metadata_updates:
            return None
        output = ctx.metadata_updates["output"]
    return '{"output":' + _encode_output(output) + "}"


def metadata_set(key: str, value: Any) -> None:
    """Stage a metadata key merged into the job's metadata when the attempt finishes."""
    if not isinstance(key, str):
        raise InvalidMetadataError(f"metadata keys are strings, got {key!r}")
    if key.startswith("river:"):
        raise InvalidMetadataError(f"metadata key {key!r} is reserved (prefix 'river:')")
    encode_json(f"metadata[{key!r}]", value)
    require_job_context("metadata_set").metadata_updates[key] = value


def _encode_output(value: Any) -> str:
    """JSON text of an output, refused here (``InvalidJSONValueError``) if it cannot be
    stored: raised inside ``work`` it is the job's error, not a failed completion."""
    encoded = encode_json("output", value)
    if len(encoded) > _MAX_OUTPUT_BYTES:
        raise InvalidJSONValueError(
            "output", value, f"is {len(encoded)} bytes as JSON, more than the 32 MB allowed"
        )
    return encoded


def job_cancelled() -> bool:
    """True once the job was cancelled (client stop, remote cancel or timeout).

    Sync workers cannot be interrupted: long-running ones should check this and return.
    """
    ctx = current_job.get()
    return ctx is not None and ctx.is_cancelled()


class JobCancelledError(Exception):
    """Raised by ``check_cancelled`` in a job whose work was cancelled."""


def check_cancelled() -> None:
    """Raise ``JobCancelledError`` if the current job was cancelled (for sync workers)."""
    ctx = current_job.get()
    if ctx is not None and ctx.is_cancelled():
        raise JobCancelledError(ctx.cancel_reason or "cancelled")


def client_from_context() -> Any:
    """The client working the current job."""
    return require_job_context("client_from_context").client
