"""Exceptions raised by river-queue, and the two a worker raises to steer its job.

The database's errors, as each driver translates its library's exceptions, are apart in
``river.driver.errors``, beside the table that translates them."""

from __future__ import annotations

import datetime as dt
import reprlib


class RiverError(Exception):
    """Base class of river-queue's errors."""


class InvalidInsertError(RiverError, ValueError):
    """An insert was rejected before anything was written."""


class InvalidKindError(InvalidInsertError):
    """The args' ``kind`` is missing, empty or not a string."""


class InvalidQueueError(InvalidInsertError):
    """A queue name that River does not accept (empty, too long, or not a plain identifier)."""


class InvalidPriorityError(InvalidInsertError):
    """A priority outside River's range 1 (highest) to 4."""


class InvalidTagsError(InvalidInsertError):
    """A tag that River does not accept (empty, over 255 characters, or containing a comma)."""


class InvalidMaxAttemptsError(InvalidInsertError):
    """``max_attempts`` below 1."""


class InvalidUniqueOptsError(InvalidInsertError):
    """Unique options River rejects, such as ``by_state`` leaving out a live state."""


class UniqueConflictError(RiverError):
    """``insert_many_fast`` refused a batch because a unique job's key is taken: by an
    earlier job of the same batch, or by a job in the database. ``COPY`` cannot skip a
    duplicate as ``insert_many`` does, so nothing of the batch was written.

    ``index`` is the job's position in the batch, ``unique_key`` its key and ``kind`` its
    kind (each None when the database did not say which key); ``duplicate_of`` is the
    position of the earlier job of the batch holding the key, None when a job in the
    database holds it."""

    def __init__(
        self,
        index: int | None,
        unique_key: bytes | None,
        kind: str | None,
        *,
        duplicate_of: int | None = None,
    ) -> None:
        if index is None:
            what = "a unique job's key is held by a job in the database (it did not say which)"
        else:
            key = unique_key.hex() if unique_key is not None else "?"
            job = f"job {index} (kind {kind!r}) has unique key {key}, which"
            holder = "a job in the database" if duplicate_of is None else (
                f"job {duplicate_of} of the same batch"
            )
            what = f"{job} {holder} already holds"
        super().__init__(
            f"insert_many_fast refused the batch: {what}; COPY cannot skip a duplicate, so "
            "nothing was inserted (insert_many skips duplicates)"
        )
        self.index = index
        self.unique_key = unique_key
        self.kind = kind
        self.duplicate_of = duplicate_of


class InvalidMetadataError(InvalidInsertError):
    """Metadata that is not a JSON object, or that ``jsonb`` cannot store."""


class ArgsEncodeError(InvalidInsertError):
    """Job args could not be encoded as JSON."""


class InvalidJSONValueError(ArgsEncodeError, InvalidMetadataError, TypeError):
    """A value to be stored as JSON (job args, metadata, output, queue metadata) that
    Postgres cannot store: NaN or ±Infinity, a string with a NUL character or a lone
    UTF-16 surrogate, something JSON cannot encode, or a payload over a size limit.
    Raised where the value is handed over, before anything is written.

    ``field`` names what was being stored (``"output"``, ``"metadata['note']"``, ...),
    ``path`` where inside it (``"['scores'][2]"``, empty for the value itself), ``value``
    the offending value and ``reason`` what is wrong with it. It is an
    ``ArgsEncodeError``, an ``InvalidMetadataError`` and a ``TypeError``, so the errors
    documented before for each field still catch it."""

    def __init__(self, field: str, value: object, reason: str, path: str = "") -> None:
        super().__init__(f"{field}{path}: {reason} (got {_short_repr(value)})")
        self.field = field
        self.path = path
        self.value = value
        self.reason = reason


def _short_repr(value: object) -> str:
    """A bounded ``repr`` for messages: a huge or deep value, or one whose ``repr``
    fails (an int past Python's digit limit), must not turn into another error."""
    try:
        shown = reprlib.repr(value)
    except Exception:
        return f"<{type(value).__name__} object>"
    return shown if len(shown) <= 80 else shown[:77] + "..."


class ArgsDecodeError(RiverError):
    """A job's stored args could not be decoded into the worker's args type."""


class UnknownJobKindError(RiverError):
    """A job's kind has no registered worker (or an insert names a kind this client does
    not know, when it has workers)."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"job kind {kind!r} is not registered with a worker")
        self.kind = kind


class InvalidJobListParamsError(RiverError, ValueError):
    """``JobListParams`` the listing cannot run: an unknown ordering, a cursor that does not
    decode or belongs to another ordering, or a ``where`` fragment that breaks its rules."""


class JobListOrderError(InvalidJobListParamsError):
    """Ordering by a column that is NULL for some of the filtered states (``finalized_at``
    outside the finalized states, for example), which a cursor cannot page through."""


class JobNotFoundError(RiverError, LookupError):
    """No job has the given id (River's ``rivertype.ErrNotFound``)."""


class JobRunningError(RiverError):
    """The operation is not allowed on a running job (deleting it, for example)."""


class DriverNotFoundError(RiverError, LookupError):
    """No installed driver has the requested name."""


class MissingDriverExtraError(RiverError, ImportError):
    """The driver's database library is not installed; the message names the extra to install."""


class SchemaNotMigratedError(RiverError):
    """River's tables are not in the schema a statement named (or on the search path):
    the database was never migrated, or the schema given is the wrong one. ``schema`` is
    that schema (``None``: the search path), ``relation`` the missing table or type."""

    def __init__(self, schema: str | None, relation: str) -> None:
        where = f"schema {schema!r}" if schema else "the schemas on the search path"
        command = "river migrate-up" + (f" --schema {schema}" if schema else "")
        super().__init__(
            f"River's tables are not in {where} of this database ({relation} does not "
            f"exist): migrate it first with `{command}` (and --database-url)"
        )
        self.schema = schema
        self.relation = relation


class ConfigError(RiverError, ValueError):
    """A ``Config`` or ``QueueConfig`` value the client cannot work with."""


class WrongColourError(ConfigError):
    """A sync object was given to an async client, or the other way round."""


class ClientError(RiverError):
    """A client operation failed (an unknown queue, a client in the wrong state, ...)."""


class QueueAlreadyAddedError(ClientError):
    """``client.queues.add`` was given a queue the client already works (River's
    ``QueueAlreadyAddedError``)."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"queue {name!r} already added")


class QueueNotFoundError(ClientError, LookupError):
    """No queue has the given name: ``client.queues.remove`` of a queue the client does not
    work, or ``queue_get`` / ``queue_update`` of one not in ``river_queue`` (River's
    ``QueueNotFoundError`` and ``ErrNotFound``)."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"queue {name!r} not found")


class JobCancel(Exception):
    """Raise from ``work`` to cancel the job for good, recording ``error``."""

    def __init__(self, error: BaseException | str | None = None) -> None:
        self.error = error
        super().__init__(str(error) if error is not None else "job cancelled")


class JobSnooze(Exception):
    """Raise from ``work`` to run the job again after ``duration``, without using an
    attempt."""

    def __init__(self, duration: dt.timedelta | float) -> None:
        if not isinstance(duration, dt.timedelta):
            duration = dt.timedelta(seconds=duration)
        if duration < dt.timedelta(0):
            raise ValueError(f"snooze duration must not be negative, got {duration}")
        self.duration = duration
        super().__init__(f"snoozed for {duration}")
