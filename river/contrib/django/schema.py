"""River's tables for Django's ``migrate``: up and down with River's migrator."""

from __future__ import annotations

from typing import Any

from river.contrib.django.clients import driver_for_alias
from river.contrib.django.settings import river_settings
from river.migrate import Migrator


def _applies(schema_editor: Any) -> bool:
    return bool(schema_editor.connection.alias == river_settings().database)


def migrate_up(apps: Any, schema_editor: Any) -> None:
    """Create River's tables (all of River's migrations) in the configured schema."""
    if not _applies(schema_editor):
        return
    conf = river_settings()
    if conf.schema is not None:
        quoted = schema_editor.connection.ops.quote_name(conf.schema)
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {quoted}")
    driver = driver_for_alias(conf.database, max_size=1)
    try:
        Migrator(driver, schema=conf.schema).migrate_up()
    finally:
        driver.close()


def migrate_down(apps: Any, schema_editor: Any) -> None:
    """Remove River's tables from the configured schema (the schema itself stays)."""
    if not _applies(schema_editor):
        return
    conf = river_settings()
    driver = driver_for_alias(conf.database, max_size=1)
    try:
        Migrator(driver, schema=conf.schema).migrate_down(target_version=0)
    finally:
        driver.close()
