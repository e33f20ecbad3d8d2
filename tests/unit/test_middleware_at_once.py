"""A middleware that does its step at once is still entered where the chain reaches it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from river.middleware import WorksAtOnce, enter_middleware


class Steps(WorksAtOnce):
    def __init__(self, at_once: bool, seen: list[str]) -> None:
        self.at_once = at_once
        self.seen = seen

    def work_at_once(self, job: Any) -> bool:
        self.seen.append("at_once")
        return self.at_once

    def work(self, job: Any, call_next: Callable[[], Any]) -> Any:
        self.seen.append("work")
        return call_next()


def test_a_step_done_at_once_calls_the_next_step_directly() -> None:
    seen: list[str] = []
    result = enter_middleware(Steps(True, seen), None, lambda: seen.append("next") or "done")
    assert (seen, result) == (["at_once", "next"], "done")


def test_a_step_not_done_at_once_runs_the_whole_work() -> None:
    seen: list[str] = []
    result = enter_middleware(Steps(False, seen), None, lambda: seen.append("next") or "done")
    assert (seen, result) == (["at_once", "work", "next"], "done")
