"""The token bucket that spaces fetches and insert notifications, on a fake clock."""

from __future__ import annotations

import pytest

from river._internal.producer.token_bucket import BURST, TokenBucket

COOLDOWN = 0.1


def test_a_quiet_bucket_lets_a_burst_through_at_once() -> None:
    bucket = TokenBucket(COOLDOWN, now=0.0)
    assert [bucket.take(0.0) for _ in range(BURST)] == [True] * BURST
    assert bucket.take(0.0) is False
    assert bucket.wait(0.0) == pytest.approx(COOLDOWN)


def test_a_sporadic_event_never_waits() -> None:
    # One event every 30 ms, more often than the cooldown, but the bucket refills
    # faster than the first few spend it: the gap after each event is not waited out.
    bucket = TokenBucket(COOLDOWN, now=0.0)
    waits = []
    for i in range(3):
        now = i * 0.03
        waits.append(bucket.wait(now))
        bucket.spend(now)
    assert waits == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("span", [1.0, 10.0, 60.0])
def test_a_storm_gets_no_more_than_one_per_cooldown_beyond_the_burst(span: float) -> None:
    # Woken every millisecond for `span` seconds, taking a token whenever there is one.
    bucket = TokenBucket(COOLDOWN, now=0.0)
    taken = sum(bucket.take(ms / 1000) for ms in range(int(span * 1000)))
    assert taken <= BURST + span / COOLDOWN
    assert taken >= span / COOLDOWN  # the bucket refills at the cooldown's rate


def test_poll_ticks_fetch_once_each() -> None:
    # An idle producer fetches once a poll tick (1 s, far longer than the cooldown): the
    # bucket never holds one back, so the idle rate is the poll rate, as before.
    bucket = TokenBucket(COOLDOWN, now=0.0)
    fetches = 0
    for tick in range(1, 101):
        if bucket.wait(float(tick)) == 0.0:
            bucket.spend(float(tick))
            fetches += 1
    assert fetches == 100


def test_a_backlog_spends_tokens_without_waiting_for_them() -> None:
    bucket = TokenBucket(COOLDOWN, now=0.0)
    for _ in range(BURST + 5):
        bucket.spend(0.0)
    assert bucket.tokens(0.0) == 0.0
    assert bucket.wait(0.0) == pytest.approx(COOLDOWN)
    assert bucket.wait(COOLDOWN) == 0.0


def test_tokens_never_exceed_the_burst_and_give_back_restores_one() -> None:
    bucket = TokenBucket(COOLDOWN, now=0.0)
    assert bucket.tokens(1000.0) == BURST
    assert bucket.take(1000.0)
    bucket.give_back()
    bucket.give_back()
    assert bucket.tokens(1000.0) == BURST


def test_a_burst_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="burst"):
        TokenBucket(COOLDOWN, now=0.0, burst=0)
