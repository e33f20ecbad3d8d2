"""A client's intervals resolved once from its Config (pure logic, no database)."""

from __future__ import annotations

import datetime as dt

from river import ConcurrencyConfig, Config, QueueConfig
from river._internal.runtime.settings import Settings


def test_the_defaults_are_configs_own() -> None:
    config = Config()
    settings = Settings.of(config)
    assert settings.fetch_cooldown == config.fetch_cooldown == 0.1
    assert settings.fetch_poll_interval == config.fetch_poll_interval == 1.0
    assert settings.queue_report_interval == 600.0  # River's ten minutes
    assert settings.queue_poll_interval == config.queue_poll_interval == 2.0


def test_durations_are_read_as_seconds() -> None:
    settings = Settings.of(
        Config(
            fetch_cooldown=dt.timedelta(milliseconds=50),
            queue_poll_interval=dt.timedelta(seconds=3),
        )
    )
    assert (settings.fetch_cooldown, settings.queue_poll_interval) == (0.05, 3.0)


def test_a_queue_takes_its_own_intervals_else_the_clients() -> None:
    settings = Settings.of(
        Config(fetch_cooldown=0.2, fetch_poll_interval=5.0, queue_report_interval=30.0)
    )
    own = settings.for_queue(
        QueueConfig(max_workers=3, fetch_cooldown=0.01, fetch_poll_interval=0.5)
    )
    assert (own.max_workers, own.fetch_cooldown, own.fetch_poll_interval) == (3, 0.01, 0.5)
    inherited = settings.for_queue(QueueConfig(max_workers=1))
    assert (inherited.fetch_cooldown, inherited.fetch_poll_interval) == (0.2, 5.0)
    assert inherited.queue_report_interval == own.queue_report_interval == 30.0


def test_a_zero_queue_interval_is_the_clients() -> None:
    # As before the settings were resolved in one place: zero means unset.
    settings = Settings.of(Config())
    queue = settings.for_queue(
        QueueConfig(max_workers=1, fetch_cooldown=0, fetch_poll_interval=dt.timedelta(0))
    )
    assert (queue.fetch_cooldown, queue.fetch_poll_interval) == (0.1, 1.0)


def test_the_producer_settings_are_its_keyword_arguments() -> None:
    concurrency = ConcurrencyConfig(global_limit=2)
    queue = Settings.of(Config()).for_queue(QueueConfig(max_workers=4, concurrency=concurrency))
    kwargs = queue.as_kwargs()
    assert kwargs["concurrency"] is concurrency  # the object itself, not a copy
    assert kwargs == {
        "max_workers": 4,
        "fetch_cooldown": 0.1,
        "fetch_poll_interval": 1.0,
        "queue_report_interval": 600.0,
        "queue_poll_interval": 2.0,
        "concurrency": concurrency,
    }
