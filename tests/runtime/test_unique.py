"""Unique keys and state bitmasks match River Go's algorithm.

The key strings are written out by hand from River Go's rules (``internal/dbunique``):
``&kind=`` unless exclude_kind, ``&args=`` (top-level keys sorted, raw values),
``&period=`` (the insert time, even for a scheduled job, rounded with Go's
``time.Truncate`` from year 1, written as RFC 3339 in the local time zone), ``&queue=``;
never the states. The SHA-256 hex of each string is written out too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import zoneinfo
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from river._internal.insert_params import build_insert_params
from river._internal.unique import (
    DEFAULT_UNIQUE_STATES,
    unique_key,
    unique_key_string,
    unique_states_bitmask,
)
from river.insert_opts import InsertOpts, UniqueOpts
from river.types import JobState

ARGS = '{"b":2,"a":1}'
AT = dt.datetime(2024, 5, 1, 12, 7, 30, tzinfo=dt.UTC)  # a Wednesday
NOW = dt.datetime(2024, 5, 1, 13, 40, 10, tzinfo=dt.UTC)
Q15 = dt.timedelta(minutes=15)
REQUIRED = [JobState.AVAILABLE, JobState.PENDING, JobState.RUNNING, JobState.SCHEDULED]
ARGS_KIND = '&kind=email&args={"a":1,"b":2}'


@pytest.mark.parametrize(
    ("opts", "at", "expected", "sha256"),
    [
        # by_args: all top-level keys, sorted.
        (UniqueOpts(by_args=True), None, ARGS_KIND,
         "d6c89c0dd580c9bb667cba67ae439a47d31abf0a80ef2373f642ee9e91fdb89b"),
        # by_args subset (Go's `river:"unique"` fields).
        (UniqueOpts(by_args=["b"]), None, '&kind=email&args={"b":2}',
         "124c091b050464d920ba7c379e13ceb0944426d6f092ab4fd3106efd1d6ba004"),
        # Go builds the subset from an empty buffer: nothing found, nothing written.
        (UniqueOpts(by_args=["missing"]), None, "&kind=email&args=",
         "fcfab731d8cf2c5dc316328a26f3848043d6c9314435821b5c73835fa24868f4"),
        # by_period: the insert time rounded down.
        (UniqueOpts(by_period=Q15), AT, "&kind=email&period=2024-05-01T12:00:00Z",
         "3f0e9907cfd138928ae08c17e487e5eb070bcaf967f8e4bf5d5101a22b216ed2"),
        (UniqueOpts(by_period=Q15), None, "&kind=email&period=2024-05-01T13:30:00Z",
         "6b5d02fc7d989d578d65e9c55faacdc39f619a264ba472025660f5277b142739"),
        (UniqueOpts(by_period=dt.timedelta(hours=24)), AT,
         "&kind=email&period=2024-05-01T00:00:00Z",
         "b9f04463f0bf837ae2a66614bc60dd32a52c6543cb46f6a3c3d76f61998b038b"),
        # Go truncates from year 1, not from the Unix epoch: 7 minutes does not divide a
        # day, so the two differ (Unix truncation would give 12:06:00).
        (UniqueOpts(by_period=dt.timedelta(minutes=7)), AT,
         "&kind=email&period=2024-05-01T12:05:00Z",
         "975a75f3a7c7bbcd2534ccdcf90bd6cf35a12f263ffdc77dd6a42fb91f264f64"),
        # A week counted from 0001-01-01 (a Monday) starts on Mondays; from the Unix
        # epoch (a Thursday) it would start on Thursday 2024-04-25.
        (UniqueOpts(by_period=dt.timedelta(days=7)), AT,
         "&kind=email&period=2024-04-29T00:00:00Z",
         "b6bed57b9a49cc2791cf9cd69fb27551bad60e4b4f444afb030de58ab2a15cea"),
        # by_queue.
        (UniqueOpts(by_queue=True), None, "&kind=email&queue=default",
         "75b917f99d35714996e4387f2b1f5210645913dacb5bc0c05304684f571ca7de"),
        # by_state alone: unique, but states are not part of the key.
        (UniqueOpts(by_state=REQUIRED), None, "&kind=email",
         "1346252621dedb23f1053d0294b4c2615783fbe08a74336bce229f4f45624097"),
        # exclude_kind.
        (UniqueOpts(by_args=True, exclude_kind=True), None, '&args={"a":1,"b":2}',
         "51fdc016ab34240637ed1dfe8bf0d4bea9b03200c445e30a48218c6441485632"),
        (UniqueOpts(by_queue=True, exclude_kind=True), None, "&queue=default",
         "fffa389d37481a994381bbc1cba6b5f5ab4edcdb76f84faf148c9b8d41d9662a"),
        (UniqueOpts(by_period=Q15, exclude_kind=True), AT, "&period=2024-05-01T12:00:00Z",
         "b3fd11e342e40da98410845dfcf7be0ac287ad2dc7a48155692220b20456212e"),
        # Combinations keep the fixed order kind, args, period, queue.
        (UniqueOpts(by_args=True, by_period=Q15, by_queue=True), AT,
         ARGS_KIND + "&period=2024-05-01T12:00:00Z&queue=default",
         "84dbb8a09149b87b87fc74d4db7014ed698f76b4869ae96c3803330614cc253c"),
        (UniqueOpts(by_args=True, by_period=Q15, by_queue=True, by_state=REQUIRED), None,
         ARGS_KIND + "&period=2024-05-01T13:30:00Z&queue=default",
         "69978da72a5b332d978ecaa0ed577743c1c8789c99e5d1932268584c5d4c4f5b"),
        (UniqueOpts(by_args=["b"], by_queue=True), None,
         '&kind=email&args={"b":2}&queue=default',
         "b826810536943be4e1da40e433508f766f60c9dda2c9a5cacfb655e67504ac29"),
    ],
)
def test_unique_key_string(
    opts: UniqueOpts, at: dt.datetime | None, expected: str, sha256: str
) -> None:
    inserted_at = at or NOW
    got = unique_key_string("email", ARGS, opts, "default", inserted_at, zone=dt.UTC)
    assert got == expected
    assert hashlib.sha256(expected.encode()).hexdigest() == sha256
    assert unique_key("email", ARGS, opts, "default", inserted_at, zone=dt.UTC).hex() == sha256


# Cases from River Go's own dbunique tests, with the args JSON Go's encoder writes.
@pytest.mark.parametrize(
    ("kind", "encoded", "by_args", "expected"),
    [
        ("worker_3", '{"description":"A generic job without unique fields.","count":10}', True,
         '&kind=worker_3&args={"count":10,"description":"A generic job without unique fields."}'),
        ("worker_2", '{"phone_number":"555-5678","template_id":202}',
         ["phone_number", "message"], '&kind=worker_2&args={"phone_number":"555-5678"}'),
        ("worker_1", '{"headers":{"addresses":{"recipient":"john@example.com"},'
         '"subject":"Another Test Email"},"body":"This is another test email."}',
         ["headers.addresses.recipient", "headers.subject"],
         '&kind=worker_1&args={"headers":{"addresses":{"recipient":"john@example.com"},'
         '"subject":"Another Test Email"}}'),
        ("worker_1", '{"addresses":{"recipient":"john@example.com","bcc":""},'
         '"subject":"Another Test Email","body":"b"}', ["addresses", "subject"],
         '&kind=worker_1&args={"addresses":{"recipient":"john@example.com","bcc":""},'
         '"subject":"Another Test Email"}'),
        ("worker_1", "{}", True, "&kind=worker_1&args={}"),
    ],
)
def test_go_dbunique_cases(kind: str, encoded: str, by_args: bool | list[str],
                           expected: str) -> None:
    opts = UniqueOpts(by_args=by_args)
    assert unique_key_string(kind, encoded, opts, "email_queue", NOW) == expected


def test_raw_values_are_kept() -> None:
    # Go copies the stored JSON bytes, so number literals are not re-formatted.
    got = unique_key_string("email", '{"b":2,"a":1.50}', UniqueOpts(by_args=True), "q", NOW)
    assert got == '&kind=email&args={"a":1.50,"b":2}'
    assert hashlib.sha256(got.encode()).hexdigest() == (
        "e9c09a9181289f1769ef739af1a1565ced5d9b1fdf4d1b7ccdcbb57c489a3bad"
    )
    # Nested objects keep their encoded order; only the top level is sorted.
    got = unique_key_string("k", '{"z":{"y":1,"x":[1, 2]},"a":null}', UniqueOpts(by_args=True),
                            "q", NOW)
    assert got == '&kind=k&args={"a":null,"z":{"y":1,"x":[1, 2]}}'


def test_nested_paths_and_go_escapes() -> None:
    nested = '{"c":{"e":2,"d":1},"a":"x"}'
    opts = UniqueOpts(by_args=["c.d", "a", "c.missing", "a.deeper"])
    got = unique_key_string("k", nested, opts, "q", NOW)
    assert got == '&kind=k&args={"a":"x","c":{"d":1}}'
    # Values stay as Go escaped them; sjson writes printable ASCII keys verbatim.
    html = '{"a\\u003cb":"\\u003ca\\u0026b\\u003e","\\u00e9":1}'
    got = unique_key_string("k", html, UniqueOpts(by_args=True), "q", NOW)
    assert got == '&kind=k&args={"a<b":"\\u003ca\\u0026b\\u003e","é":1}'
    # Paths sort as strings ("a-b" < "a.c"), so keys follow path order, not key order.
    got = unique_key_string("k", '{"a":{"c":1},"a-b":2}', UniqueOpts(by_args=["a.c", "a-b"]),
                            "q", NOW)
    assert got == '&kind=k&args={"a-b":2,"a":{"c":1}}'


def test_non_object_args() -> None:
    assert unique_key_string("k", "[1,2]", UniqueOpts(by_args=True), "q", NOW) == (
        "&kind=k&args={}"
    )
    assert unique_key_string("k", "[1,2]", UniqueOpts(by_args=["a"]), "q", NOW) == (
        "&kind=k&args="
    )


def test_period_time_zones() -> None:
    q = UniqueOpts(by_period=Q15)
    # A naive insert time is UTC; an aware one is the same instant in any zone.
    naive = AT.replace(tzinfo=None)
    assert unique_key_string("k", "{}", q, "q", naive, zone=dt.UTC) == (
        "&kind=k&period=2024-05-01T12:00:00Z"
    )
    plus2 = AT.astimezone(dt.timezone(dt.timedelta(hours=2)))
    assert unique_key_string("k", "{}", q, "q", plus2, zone=dt.UTC) == (
        "&kind=k&period=2024-05-01T12:00:00Z"
    )
    # A period that is not whole seconds: RFC 3339 drops the fraction, as Go's does.
    odd = UniqueOpts(by_period=dt.timedelta(seconds=1.5))
    assert unique_key_string("k", "{}", odd, "q", AT, zone=dt.UTC) == (
        "&kind=k&period=2024-05-01T12:07:30Z"
    )


@pytest.mark.parametrize(
    ("zone", "period", "expected"),
    [
        # Go's time.Now() is in the local zone: Truncate works on the instant, Format
        # writes it with the zone's offset at that instant (summer time here).
        ("Europe/Paris", Q15, "2024-05-01T14:00:00+02:00"),
        ("America/St_Johns", Q15, "2024-05-01T09:30:00-02:30"),
        ("Asia/Kolkata", dt.timedelta(hours=1), "2024-05-01T17:30:00+05:30"),
        # A day starts at 00:00 UTC whatever the zone, shown as the previous evening.
        ("America/New_York", dt.timedelta(hours=24), "2024-04-30T20:00:00-04:00"),
        ("Etc/UTC", dt.timedelta(hours=24), "2024-05-01T00:00:00Z"),
    ],
)
def test_period_is_written_in_the_local_zone_like_go(
    zone: str, period: dt.timedelta, expected: str
) -> None:
    opts = UniqueOpts(by_period=period)
    got = unique_key_string("k", "{}", opts, "q", AT, zone=zoneinfo.ZoneInfo(zone))
    assert got == "&kind=k&period=" + expected


@pytest.fixture
def process_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Set the process's local time zone (``TZ``) for the test."""

    def use(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield use
    monkeypatch.undo()
    time.tzset()


def test_period_defaults_to_the_process_zone(process_zone: Callable[[str], None]) -> None:
    opts = UniqueOpts(by_period=Q15)
    process_zone("Asia/Kolkata")
    assert unique_key_string("k", "{}", opts, "q", AT) == (
        "&kind=k&period=2024-05-01T17:30:00+05:30"
    )
    process_zone("UTC")
    assert unique_key_string("k", "{}", opts, "q", AT) == "&kind=k&period=2024-05-01T12:00:00Z"


def test_state_bitmask() -> None:
    assert unique_states_bitmask(DEFAULT_UNIQUE_STATES) == 0xF5
    assert format(0xF5, "08b") == "11110101"
    expected = {
        JobState.AVAILABLE: 0x01, JobState.CANCELLED: 0x02, JobState.COMPLETED: 0x04,
        JobState.DISCARDED: 0x08, JobState.PENDING: 0x10, JobState.RETRYABLE: 0x20,
        JobState.RUNNING: 0x40, JobState.SCHEDULED: 0x80,
    }
    for state, bit in expected.items():
        assert unique_states_bitmask([state]) == bit
        assert unique_states_bitmask([state.value]) == bit  # type: ignore[list-item]
    assert unique_states_bitmask(REQUIRED) == 0xD1
    assert unique_states_bitmask(list(JobState)) == 0xFF
    assert unique_states_bitmask([]) == 0


@dataclass
class Email:
    kind = "email"
    b: int
    a: int


def test_insert_params_unique_fields() -> None:
    opts = InsertOpts(unique_opts=UniqueOpts(by_args=True, by_state=[*REQUIRED, JobState.COMPLETED]))
    params = build_insert_params(Email(b=2, a=1), opts, now=NOW)
    assert params.encoded_args == ARGS
    assert params.unique_key == bytes.fromhex(
        "d6c89c0dd580c9bb667cba67ae439a47d31abf0a80ef2373f642ee9e91fdb89b"
    )
    assert params.unique_states == 0xD1 | 0x04
    plain = build_insert_params(Email(b=2, a=1), None, now=NOW)
    assert plain.unique_key is None and plain.unique_states is None
    # exclude_kind alone is "empty": not unique at all.
    alone = InsertOpts(unique_opts=UniqueOpts(exclude_kind=True))
    assert build_insert_params(Email(b=2, a=1), alone, now=NOW).unique_key is None
    # As in Go, an empty (not None) by_state makes the job unique with the default states.
    empty_states = InsertOpts(unique_opts=UniqueOpts(by_state=[]))
    got = build_insert_params(Email(b=2, a=1), empty_states, now=NOW)
    assert got.unique_key == hashlib.sha256(b"&kind=email").digest()
    assert got.unique_states == 0xF5


def test_insert_params_period_of_a_scheduled_job_is_the_insert_time(
    process_zone: Callable[[str], None],
) -> None:
    # River Go v0.43 computes the key before filling in ScheduledAt, so dbunique falls
    # back to its clock: a job scheduled for tomorrow is unique within today's period.
    process_zone("UTC")
    by_period = UniqueOpts(by_period=Q15)
    now_key = bytes.fromhex("6b5d02fc7d989d578d65e9c55faacdc39f619a264ba472025660f5277b142739")
    assert now_key == hashlib.sha256(b"&kind=email&period=2024-05-01T13:30:00Z").digest()
    for scheduled_at in (AT, NOW + dt.timedelta(days=1), None):
        opts = InsertOpts(scheduled_at=scheduled_at, unique_opts=by_period)
        got = build_insert_params(Email(b=2, a=1), opts, now=NOW)
        assert got.unique_key == now_key, scheduled_at
    tomorrow = build_insert_params(
        Email(b=2, a=1),
        InsertOpts(scheduled_at=NOW + dt.timedelta(days=1), unique_opts=by_period),
        now=NOW,
    )
    assert tomorrow.state is JobState.SCHEDULED
    # Inserted later (the next quarter hour), the same job gets another key.
    next_quarter = build_insert_params(
        Email(b=2, a=1), InsertOpts(unique_opts=by_period), now=NOW + Q15
    )
    assert next_quarter.unique_key == hashlib.sha256(
        b"&kind=email&period=2024-05-01T13:45:00Z"
    ).digest()
