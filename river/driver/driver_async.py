"""The driver interface: what a database library must provide to River (``riverdriver``)."""

from __future__ import annotations

import abc
from typing import ClassVar, Generic, TypeVar

from river.driver.executor_async import AsyncExecutor
from river.driver.params import Notification

TxT = TypeVar("TxT")


class AsyncListener(abc.ABC):
    """One dedicated connection that LISTENs; channels are full names (``schema.topic``)."""

    @abc.abstractmethod
    async def connect(self) -> None: ...

    @abc.abstractmethod
    async def listen(self, channel: str) -> None: ...

    @abc.abstractmethod
    async def unlisten(self, channel: str) -> None: ...

    @abc.abstractmethod
    async def wait_for_notification(self, timeout: float) -> Notification | None:
        """The next notification, or None after ``timeout`` seconds without one."""

    @abc.abstractmethod
    async def ping(self) -> None: ...

    @abc.abstractmethod
    async def close(self) -> None: ...


class AsyncDriver(abc.ABC, Generic[TxT]):
    """Gives executors on a pool or on a caller's transaction ``TxT``, and a listener."""

    name: ClassVar[str]
    supports_listener: ClassVar[bool] = True

    @abc.abstractmethod
    def get_executor(self, schema: str | None = None) -> AsyncExecutor:
        """An executor on the driver's pool; each call runs in its own transaction."""

    @abc.abstractmethod
    def unwrap_executor(self, tx: TxT, schema: str | None = None) -> AsyncExecutor:
        """An executor on the caller's own connection/transaction."""

    @abc.abstractmethod
    def get_listener(self) -> AsyncListener: ...

    @abc.abstractmethod
    async def close(self) -> None:
        """Close the pool if the driver created it."""
