"""A FastAPI + SQLAlchemy application enqueueing a job in the request's transaction.

``POST /notes`` writes a note and enqueues a job for it in one transaction: both commit,
or (a note whose body is "fail") both roll back. The River client shares the engine's
pool and runs with the app (``river.contrib.asgi.lifespan``): its worker marks each note
processed. Run with ``DATABASE_URL=postgresql+asyncpg://... uvicorn app:app``
(``RIVER_SCHEMA`` names the schema of River's and the app's tables, migrated beforehand
with ``river migrate-up``).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

import river
from river.contrib.asgi import get_client, lifespan
from river.contrib.sqlalchemy import driver_from_engine

SCHEMA = os.environ.get("RIVER_SCHEMA", "public")
engine = create_async_engine(os.environ["DATABASE_URL"])
Session = async_sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "note"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str]
    processed: Mapped[bool] = mapped_column(default=False)


@dataclass
class ProcessNoteArgs:
    kind = "process_note"
    note_id: int


class ProcessNoteWorker(river.AsyncWorker[ProcessNoteArgs]):
    async def work(self, job: river.Job[ProcessNoteArgs]) -> None:
        async with Session() as session, session.begin():
            note = await session.get(Note, job.args.note_id)
            if note is not None:
                note.processed = True


def make_client() -> river.AsyncClient[Any]:
    workers = river.Workers()
    workers.add(ProcessNoteWorker())
    return river.AsyncClient(driver_from_engine(engine), river.Config(
        schema=SCHEMA, queues={"default": river.QueueConfig(max_workers=5)}, workers=workers,
    ))


async def create_tables() -> None:
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)


app = FastAPI(lifespan=lifespan(make_client))


async def session() -> AsyncIterator[AsyncSession]:
    async with Session() as s:
        yield s


class NoteIn(BaseModel):
    body: str


@app.post("/notes", status_code=201)
async def create_note(
    data: NoteIn,
    db: AsyncSession = Depends(session),
    client: river.AsyncClient[Any] = Depends(get_client),
) -> dict[str, Any]:
    async with db.begin():
        note = Note(body=data.body)
        db.add(note)
        await db.flush()
        await client.insert_tx(db, ProcessNoteArgs(note_id=note.id))
        if data.body == "fail":  # the note and its job roll back together
            raise HTTPException(status_code=422, detail="refused")
    return {"id": note.id}


@app.get("/notes/{note_id}")
async def read_note(note_id: int, db: AsyncSession = Depends(session)) -> dict[str, Any]:
    note = await db.get(Note, note_id)
    if note is None:
        raise HTTPException(status_code=404, detail="no such note")
    return {"id": note.id, "body": note.body, "processed": note.processed}
