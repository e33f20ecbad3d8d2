"""``manage.py river_worker``: work jobs with the client of ``settings.RIVER`` until
signalled; the stop stages are ``river worker``'s (``river.shutdown``)."""

from __future__ import annotations

import logging
import os
import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from river.contrib.django.clients import make_client
from river.errors import ClientError
from river.shutdown import SIGNALS, StopRequests, run_until_stopped

logger = logging.getLogger("river.contrib.django")


class Command(BaseCommand):  # type: ignore[misc]  # Django is untyped here
    help = (
        "Work River jobs with the client configured by settings.RIVER until signalled: "
        "the first SIGINT/SIGTERM lets running jobs finish, the second cancels them, the "
        "third exits at once."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        stop = StopRequests(program="river_worker")
        previous = {sig: signal.signal(sig, stop.on_signal) for sig in SIGNALS}
        try:
            client = make_client()
            try:
                if stop.level == 0:
                    try:
                        client.start()
                    except ClientError as exc:
                        raise CommandError(f"{exc} (set RIVER['QUEUES'] and RIVER['WORKERS'])") from exc
                    self.stderr.write(
                        f"river_worker: client {client.id} working queues "
                        f"{', '.join(client.config.queues)} (pid {os.getpid()})"
                    )
                run_until_stopped(client, stop)
            finally:
                client.close()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
