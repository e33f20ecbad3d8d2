"""Tests marked ``django_tasks`` need Django >= 6.0 (``django.tasks``), which needs
Python >= 3.12: on an older Django they are deselected (reported, never skipped). The
py312 and py313 tox envs install Django 6, so CI runs them there."""

from __future__ import annotations

import importlib.util

import pytest

MARK = "django_tasks"


def has_django_tasks() -> bool:
    try:
        return importlib.util.find_spec("django.tasks") is not None
    except ModuleNotFoundError:  # no Django at all
        return False


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARK}: needs Django >= 6.0 (django.tasks)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if has_django_tasks():
        return
    dropped = [i for i in items if i.get_closest_marker(MARK)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [i for i in items if not i.get_closest_marker(MARK)]
