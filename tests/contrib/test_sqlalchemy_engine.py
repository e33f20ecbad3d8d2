"""river.contrib.sqlalchemy.driver_from_engine: River on the application's own pool."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session

import river
from river.contrib.sqlalchemy import driver_from_engine
from tests._client_helpers import wait_for_state
from tests.contrib._orm import SA_DIALECTS, NoteArgs, config, sa_url


@pytest.fixture
def engine(driver: Any, database_url: str) -> Iterator[Engine]:
    eng = create_engine(sa_url(database_url, SA_DIALECTS[driver.name]), pool_size=5)
    yield eng
    eng.dispose()


class NoteWorker(river.Worker[NoteArgs]):
    def work(self, job: river.Job[NoteArgs]) -> None:
        pass


def test_client_on_the_engine_pool_inserts_and_works(
    driver: Any, engine: Engine, schema: str
) -> None:
    workers = river.Workers()
    workers.add(NoteWorker())
    pooled = driver_from_engine(engine)
    assert pooled.name == driver.name
    with river.Client(pooled, config(schema, workers)) as client:
        with Session(engine) as session, session.begin():
            job = client.insert_tx(session, NoteArgs("x")).job
        assert client.insert(NoteArgs("y")).job.id > job.id
        wait_for_state(client, job.id, river.JobState.COMPLETED)
    assert engine.pool.checkedout() == 0  # every borrowed connection went back
    with engine.connect() as conn:  # and in its transactional mode
        assert conn.connection.driver_connection.autocommit is False


def test_the_driver_of_an_engine_listens_where_the_engine_connects(
    driver: Any, engine: Engine, schema: str
) -> None:
    # The client's notifier LISTENs on a connection of its own, outside the engine's pool.
    listener = driver_from_engine(engine).get_listener()
    listener.connect()
    try:
        listener.listen("river_engine_probe")
        with engine.connect() as conn:
            conn.exec_driver_sql("NOTIFY river_engine_probe, 'hello'")
            conn.commit()
        note = listener.wait_for_notification(10)
        assert note is not None and note.payload == "hello"
    finally:
        listener.close()


def test_an_engine_without_a_river_driver_is_refused() -> None:
    engine = create_engine("sqlite://")
    with pytest.raises(ValueError, match="needs a PostgreSQL engine"):
        driver_from_engine(engine)


def test_river_and_its_tx_functions_import_no_orm() -> None:
    import subprocess
    import sys

    code = (
        "import sys, river, river.contrib, river.driver.tx_adapters, river.testing\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('sqlalchemy', 'django', 'starlette', 'fastapi')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
