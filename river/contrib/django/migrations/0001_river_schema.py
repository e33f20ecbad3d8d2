"""River's tables, created and removed by River's own migrator."""

from __future__ import annotations

from django.db import migrations

from river.contrib.django.schema import migrate_down, migrate_up


class Migration(migrations.Migration):  # type: ignore[misc]  # Django is untyped here
    # River's migrator runs each of its migrations in its own transaction.
    atomic = False
    initial = True
    dependencies: list[tuple[str, str]] = []
    operations = [migrations.RunPython(migrate_up, migrate_down)]
