"""The job that processes a note, and the workers River's client runs."""

from __future__ import annotations

from dataclasses import dataclass

import river
from notes.models import Note


@dataclass
class ProcessNoteArgs:
    kind = "process_note"
    note_id: int


class ProcessNoteWorker(river.Worker[ProcessNoteArgs]):
    def work(self, job: river.Job[ProcessNoteArgs]) -> None:
        # Runs on a worker thread of river_worker's client, with that thread's own
        # Django connection.
        Note.objects.filter(id=job.args.note_id).update(processed=True)


workers = river.Workers()
workers.add(ProcessNoteWorker())
