"""The pause gate's rule, without a database: a pause made while a fetch is in flight is
reported once that fetch returns, and changes are reported in the order they were made."""

from __future__ import annotations

from river._internal.producer.pause_gate import PauseGate


def _gate() -> tuple[PauseGate, list[bool]]:
    reports: list[bool] = []
    return PauseGate(reports.append), reports


def test_a_change_with_no_fetch_in_flight_is_reported_at_once() -> None:
    gate, reports = _gate()
    assert gate.set(True) is True
    assert gate.set(True) is False  # no change, no report
    assert reports == [True]
    assert gate.begin_fetch() is False  # paused: no fetch
    assert gate.set(False) is True
    assert reports == [True, False]
    assert gate.begin_fetch() is True


def test_a_pause_during_a_fetch_is_reported_when_it_returns() -> None:
    gate, reports = _gate()
    assert gate.begin_fetch() is True
    gate.set(True)
    assert gate.paused is True
    assert reports == []
    gate.set(False)
    gate.set(True)
    assert reports == []
    gate.end_fetch()
    assert reports == [True, False, True]
    assert gate.begin_fetch() is False


def test_the_state_read_at_start_is_not_reported() -> None:
    gate, reports = _gate()
    gate.load(True)
    assert gate.paused is True
    assert gate.begin_fetch() is False
    assert reports == []
