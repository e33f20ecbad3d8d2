"""Which queues an insert notifies now and which later, on a fake clock: a notification
the bucket holds back is sent once the queue's next token comes (the trailing edge),
never dropped."""

from __future__ import annotations

import pytest

from river._internal.insert.insert_notice_limiter import InsertNoticeLimiter
from river._internal.producer.token_bucket import BURST

COOLDOWN = 0.1


def test_inserts_within_the_burst_notify_at_once() -> None:
    limiter = InsertNoticeLimiter(COOLDOWN)
    for i in range(BURST):
        assert limiter.admit(["default"], now=i * 0.01) == (["default"], False)


def test_a_held_back_notification_is_sent_when_the_next_token_comes() -> None:
    limiter = InsertNoticeLimiter(COOLDOWN, burst=1)
    assert limiter.admit(["default"], now=0.0) == (["default"], False)
    # 10 ms later: held back, and a flusher must start.
    assert limiter.admit(["default"], now=0.01) == ([], True)
    assert limiter.next_due(0.01) == pytest.approx(COOLDOWN - 0.01)
    assert limiter.take_due(0.05) == []  # not yet
    assert limiter.take_due(0.1) == ["default"]
    assert limiter.next_due(0.1) is None  # nothing held back: the flusher ends


def test_inserts_while_held_back_are_announced_by_the_one_pending_notification() -> None:
    limiter = InsertNoticeLimiter(COOLDOWN, burst=1)
    limiter.admit(["default"], now=0.0)
    assert limiter.admit(["default"], now=0.01) == ([], True)
    # A flusher runs: more inserts neither notify nor start another one.
    assert limiter.admit(["default"], now=0.02) == ([], False)
    assert limiter.admit(["default"], now=0.03) == ([], False)
    assert limiter.take_due(0.1) == ["default"]
    assert limiter.next_due(0.1) is None
    # The flusher has ended: the next held-back insert starts a new one.
    assert limiter.admit(["default"], now=0.11) == ([], True)


def test_queues_are_limited_each_on_its_own() -> None:
    limiter = InsertNoticeLimiter(COOLDOWN, burst=1)
    assert limiter.admit(["b", "a"], now=0.0) == (["a", "b"], False)
    assert limiter.admit(["a", "c"], now=0.01) == (["c"], True)
    assert limiter.take_due(0.1) == ["a"]


def test_no_notification_is_dropped_over_a_storm() -> None:
    # An insert every 5 ms for 2 s: every insert is followed by a notification sent at
    # or after it, at most a cooldown later, and no more than one per cooldown beyond
    # the burst is sent.
    limiter = InsertNoticeLimiter(COOLDOWN)
    sent: list[float] = []
    pending_since: float | None = None
    for ms in range(0, 2000):
        now = ms / 1000
        if limiter.take_due(now):
            sent.append(now)
            assert pending_since is not None and now - pending_since <= COOLDOWN + 1e-9
            pending_since = None
        if ms % 5 == 0:
            send, _ = limiter.admit(["default"], now)
            if send:
                sent.append(now)
            elif pending_since is None:
                pending_since = now
    assert pending_since is None or 2.0 - pending_since <= COOLDOWN + 1e-9
    assert len(sent) <= BURST + 2.0 / COOLDOWN


def test_a_failed_insert_gives_its_token_back() -> None:
    limiter = InsertNoticeLimiter(COOLDOWN, burst=1)
    send, _ = limiter.admit(["default"], now=0.0)
    limiter.give_back(send)
    assert limiter.admit(["default"], now=0.01) == (["default"], False)


def test_stop_hands_over_what_is_held_back_and_lets_a_new_flusher_start() -> None:
    limiter = InsertNoticeLimiter(COOLDOWN, burst=1)
    limiter.admit(["default"], now=0.0)
    limiter.admit(["default"], now=0.01)
    assert limiter.stop() == ["default"]
    assert limiter.next_due(0.02) is None
    assert limiter.admit(["default"], now=0.02) == ([], True)
