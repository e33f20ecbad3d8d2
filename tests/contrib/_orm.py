"""Shared pieces of the ORM transaction tests: an application table, a job kind, URLs."""

from __future__ import annotations

import dataclasses
from typing import Any

import river
from tests._db import admin_execute

#: SQLAlchemy dialect of each river driver.
SA_DIALECTS = {"psycopg3": "postgresql+psycopg", "psycopg2": "postgresql+psycopg2",
               "asyncpg": "postgresql+asyncpg"}


def sa_url(database_url: str, dialect: str) -> str:
    """``database_url`` with SQLAlchemy's ``dialect+driver`` scheme."""
    _, _, rest = database_url.partition("://")
    return f"{dialect}://{rest}"


def create_app_table(database_url: str, schema: str) -> str:
    """An application table ``<schema>.app_note`` for rows written beside jobs."""
    table = f'"{schema}".app_note'
    admin_execute(database_url, f"CREATE TABLE IF NOT EXISTS {table} (id serial PRIMARY KEY, body text)")
    admin_execute(database_url, f"TRUNCATE {table}")
    return table


def app_rows(database_url: str, table: str) -> list[str]:
    return [r[0] for r in admin_execute(database_url, f"SELECT body FROM {table} ORDER BY id")]


def job_kinds(database_url: str, schema: str) -> list[str]:
    rows = admin_execute(database_url, f'SELECT kind FROM "{schema}".river_job ORDER BY id')
    return [r[0] for r in rows]


@dataclasses.dataclass
class NoteArgs:
    kind = "note"
    body: str = ""


@dataclasses.dataclass
class OtherArgs:
    kind = "other"
    body: str = ""


def config(schema: str, workers: river.Workers | None = None, **overrides: Any) -> river.Config:
    options: dict[str, Any] = {
        "schema": schema,
        "fetch_cooldown": 0.01,
        "fetch_poll_interval": 0.05,
    }
    if workers is not None:
        options.update(queues={"default": river.QueueConfig(max_workers=4)}, workers=workers)
    options.update(overrides)
    return river.Config(**options)
