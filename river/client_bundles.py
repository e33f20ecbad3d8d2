# WARNING: this file is generated from 'client_bundles_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""The groups of client methods reached through attributes, as in River: ``client.queues``
(River's ``QueueBundle``), ``client.notify`` (``ClientNotifyBundle``), and what
``client.stopped()`` returns.

The sync ``river.client_bundles`` is generated from this file.
"""

from __future__ import annotations

from typing import Any

from river._acompat import Event
from river.client_bundles_base import ClientStoppedBase, NotifyBundleBase, QueueBundleBase
from river.config import QueueConfig


class QueueBundle(QueueBundleBase):
    """The queues a client works, changed while it runs: ``client.queues`` (River's
    ``QueueBundle``).

    Only a client configured to work jobs (``Config.queues`` not empty) has queues to
    change; on any other, ``add`` and ``remove`` raise ``river.ClientError``.
    """

    def add(self, name: str, config: QueueConfig) -> None:
        """Work queue ``name`` too: on a started client its producer starts at once; on a
        stopped one the queue joins those ``start`` works.

        Raises ``river.ConfigError`` for a bad name or configuration and
        ``river.QueueAlreadyAddedError`` when the client already works ``name``.
        """
        self._client._queue_add(name, config)

    def remove(self, name: str, *, timeout: float | None = None) -> None:
        """Stop working queue ``name``: on a started client its producer stops fetching and
        this returns once its running jobs have finished (the client records their results
        as it does for every job).

        With ``timeout`` (seconds), raises ``TimeoutError`` when the jobs are still running
        by then; the queue stays, its producer no longer fetching, until ``remove`` is
        called again (River's ``Remove`` with a context that ends). Raises
        ``river.QueueNotFoundError`` when the client does not work ``name``.
        """
        self._client._queue_remove(name, timeout)


class NotifyBundle(NotifyBundleBase):
    """Notifications a client can send: ``client.notify`` (River's ``ClientNotifyBundle``)."""

    def request_resign(self) -> None:
        """Ask the current leader (of any client on this schema) to resign; another
        election follows. Has no effect when no client leads."""
        self._client._request_resign(None)

    def request_resign_tx(self, tx: Any) -> None:
        """``request_resign`` in the caller's transaction: sent when it commits."""
        self._client._request_resign(tx)


class ClientStopped(ClientStoppedBase):
    """Completes once the client has fully stopped (River's ``Stopped()``): ``await`` it,
    or ``await wait(timeout)``. Before the first start it is already complete."""

    def __init__(self, event: Event) -> None:
        super().__init__(event)
        self._event = event

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the client has stopped, at most ``timeout`` seconds (None: no limit);
        returns whether it has."""
        if timeout is None:
            self._event.wait()
            return True
        return self._event.wait_timeout(timeout)
