"""Exceptions raised by river-queue, and the two a worker raises to steer its job."""

from __future__ import annotations

import datetime as dt


class RiverError(Exception):
    """Base class of river-queue's errors."""


class InvalidInsertError(RiverError, ValueError):
    """An insert was rejected before anything was written."""


class InvalidKindError(InvalidInsertError):
    pass


class InvalidQueueError(InvalidInsertError):
    pass


class InvalidPriorityError(InvalidInsertError):
    pass


class InvalidTagsError(InvalidInsertError):
    pass


class InvalidMaxAttemptsError(InvalidInsertError):
    pass


class InvalidUniqueOptsError(InvalidInsertError):
    pass


class InvalidMetadataError(InvalidInsertError):
    pass


class ArgsEncodeError(InvalidInsertError):
    """Job args could not be encoded as JSON."""


class ArgsDecodeError(RiverError):
    """A job's stored args could not be decoded into the worker's args type."""


class UnknownJobKindError(RiverError):
    def __init__(self, kind: str) -> None:
        super().__init__(f"job kind {kind!r} is not registered with a worker")
        self.kind = kind


class JobNotFoundError(RiverError, LookupError):
    pass


class JobRunningError(RiverError):
    pass


class DriverNotFoundError(RiverError, LookupError):
    pass


class MissingDriverExtraError(RiverError, ImportError):
    pass


class ConfigError(RiverError, ValueError):
    pass


class WrongColourError(ConfigError):
    """A sync object was given to an async client, or the other way round."""


class ClientError(RiverError):
    pass


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
