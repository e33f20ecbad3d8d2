"""The Django app: label ``river``."""

from __future__ import annotations

from django.apps import AppConfig


class RiverConfig(AppConfig):  # type: ignore[misc]  # Django is untyped here
    name = "river.contrib.django"
    label = "river"
    verbose_name = "River job queue"
    default_auto_field = "django.db.models.AutoField"
