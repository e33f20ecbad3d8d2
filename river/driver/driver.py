# WARNING: this file is generated from 'driver_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""The driver interface: what a database library must provide to River (``riverdriver``)."""

from __future__ import annotations

import abc
from typing import ClassVar, Generic, TypeVar

from river.driver.executor import Executor
from river.driver.params import Notification

TxT = TypeVar("TxT")


class Listener(abc.ABC):
    """One dedicated connection that LISTENs; channels are full names (``schema.topic``)."""

    @abc.abstractmethod
    def connect(self) -> None: ...

    @abc.abstractmethod
    def listen(self, channel: str) -> None: ...

    @abc.abstractmethod
    def unlisten(self, channel: str) -> None: ...

    @abc.abstractmethod
    def wait_for_notification(self, timeout: float) -> Notification | None:
        """The next notification, or None after ``timeout`` seconds without one."""

    @abc.abstractmethod
    def ping(self) -> None: ...

    @abc.abstractmethod
    def close(self) -> None: ...


class Driver(abc.ABC, Generic[TxT]):
    """Gives executors on a pool or on a caller's transaction ``TxT``, and a listener."""

    name: ClassVar[str]
    supports_listener: ClassVar[bool] = True

    @abc.abstractmethod
    def get_executor(self, schema: str | None = None) -> Executor:
        """An executor on the driver's pool; each call runs in its own transaction."""

    @abc.abstractmethod
    def unwrap_executor(self, tx: TxT, schema: str | None = None) -> Executor:
        """An executor on the caller's own connection/transaction."""

    @abc.abstractmethod
    def get_listener(self) -> Listener: ...

    @abc.abstractmethod
    def close(self) -> None:
        """Close the pool if the driver created it."""
