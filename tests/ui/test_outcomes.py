"""The notices job actions leave, as pure logic: counts and ids of what changed and of
what was skipped, per reason, long id lists cut with "and N more"."""

from __future__ import annotations

from river.ui.outcomes import IDS_SHOWN, Outcomes, queue_notice


def test_changed_and_skipped_per_reason() -> None:
    outcomes = Outcomes("delete")
    outcomes.changed += [1, 2]
    outcomes.skip(3, "running")
    outcomes.skip(4, "not found")
    outcomes.skip(5, "not found")
    assert outcomes.notice() == {
        "level": "warn",
        "lines": [
            "2 jobs deleted: 1, 2.",
            "1 job not deleted (running): 3.",
            "2 jobs not deleted (not found): 4, 5.",
        ],
    }
    assert outcomes.total_skipped == 3


def test_levels() -> None:
    done = Outcomes("retry")
    done.changed.append(1)
    assert done.notice()["level"] == "ok"
    nothing = Outcomes("cancel")
    nothing.skip(1, "already completed")
    assert nothing.notice() == {
        "level": "error",
        "lines": ["1 job not cancelled (already completed): 1."],
    }
    assert Outcomes("retry").notice()["lines"] == ["No job retried."]


def test_long_id_lists_are_cut() -> None:
    outcomes = Outcomes("retry")
    outcomes.changed += list(range(1, 501))
    [line] = outcomes.notice()["lines"]
    shown = ", ".join(str(i) for i in range(1, IDS_SHOWN + 1))
    assert line == f"500 jobs retried: {shown} and {500 - IDS_SHOWN} more."


def test_queue_notices() -> None:
    assert queue_notice("q", "pause", was_paused=False)["lines"] == ["Queue q paused."]
    assert queue_notice("q", "pause", was_paused=True)["lines"] == ["Queue q was already paused."]
    assert queue_notice("q", "resume", was_paused=True)["lines"] == ["Queue q resumed."]
    assert queue_notice("q", "resume", was_paused=False)["lines"] == ["Queue q was not paused."]
