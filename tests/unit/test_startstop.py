"""The start/stop contract of a running client's services (pure logic, no database): a
service starts once, stops once, tolerates a stop without a start, and a group stopped
together is told to stop before any of it is waited for."""

from __future__ import annotations

import threading

from river._internal.runtime.startstop import StartStop, stop_together
from river._internal.runtime.startstop_base import Phase

WAIT = 10.0  # generous: a service that never returns fails the test instead of hanging it


class Loop:
    """A service's loop that runs until signalled, recording what happens to it."""

    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log
        self.ended = threading.Event()
        self.running = threading.Event()

    def run(self) -> None:
        self.running.set()
        assert self.ended.wait(WAIT)
        self.log.append(f"{self.name} returned")

    def signal(self) -> None:
        self.log.append(f"{self.name} signalled")
        self.ended.set()

    def drain(self) -> None:
        self.log.append(f"{self.name} drained")

    def service(self) -> StartStop:
        return StartStop(self.name, run=self.run, signal=self.signal, drain=self.drain)


def test_a_service_never_started_stops_at_once() -> None:
    log: list[str] = []
    service = Loop("a", log).service()
    service.stop()
    assert service.stopped.is_set()
    assert not service.started.is_set()
    assert log == []


def test_stop_signals_drains_then_joins_the_loop_and_a_second_stop_does_nothing() -> None:
    log: list[str] = []
    loop = Loop("a", log)
    service = loop.service()
    service.start()
    assert service.started.is_set()
    assert not service.stopped.is_set()
    assert loop.running.wait(WAIT)
    service.stop()
    assert log == ["a signalled", "a drained", "a returned"]
    assert service.stopped.is_set()
    assert not service.started.is_set()
    assert service.phase is Phase.IDLE
    service.stop()
    assert log == ["a signalled", "a drained", "a returned"]


def test_start_twice_runs_one_loop_and_a_stopped_service_starts_again() -> None:
    log: list[str] = []
    loop = Loop("a", log)
    service = loop.service()
    service.start()
    service.start()
    service.stop()
    assert log.count("a returned") == 1
    loop.ended.clear()
    service.start()
    assert service.running
    service.stop()
    assert log.count("a returned") == 2


def test_ready_runs_before_start_returns() -> None:
    log: list[str] = []
    service = StartStop("listener", ready=lambda: log.append("ready"))
    service.start()
    assert log == ["ready"]
    assert service.started.is_set()


def test_a_group_is_told_to_stop_before_any_of_it_is_waited_for() -> None:
    log: list[str] = []
    loops = [Loop(name, log) for name in ("a", "b", "c")]
    services = [loop.service() for loop in loops]
    for service in services:
        service.start()
    stop_together(reversed(services))
    assert log[:3] == ["c signalled", "b signalled", "a signalled"]
    assert [entry for entry in log[3:] if entry.endswith("drained")] == [
        "c drained", "b drained", "a drained",
    ]
    assert all(service.stopped.is_set() for service in services)


def test_begin_stop_asks_once() -> None:
    log: list[str] = []
    service = Loop("a", log).service()
    assert not service.begin_stop()  # not running
    service.start()
    assert service.begin_stop()
    assert not service.begin_stop()
    service.stop()
    assert log.count("a signalled") == 1
