"""The rule that moves the hot statements' plan generation on (pure: no database)."""

from __future__ import annotations

from river.driver.plan_generation import GROWTH, MIN_BYTES, PlanGeneration


def test_a_generation_moves_on_only_with_growth_past_the_factor() -> None:
    plans = PlanGeneration()
    plans.observe(MIN_BYTES - 1)  # too small to matter
    assert plans.generation == 0
    assert plans.text("SELECT 1") == "SELECT 1"
    plans.observe(MIN_BYTES)  # the size of the first plans was not known
    assert plans.generation == 1
    plans.observe(GROWTH * MIN_BYTES - 1)
    assert plans.generation == 1
    plans.observe(GROWTH * MIN_BYTES)
    assert plans.generation == 2
    assert plans.text("SELECT 1") == "SELECT 1/* plan generation 2 */\n"
    plans.observe(MIN_BYTES)  # emptied: Postgres plans anew at this size by itself
    assert plans.generation == 2
    plans.observe(GROWTH * MIN_BYTES)  # and growth counts from there
    assert plans.generation == 3
