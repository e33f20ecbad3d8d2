"""A Django task (``django.tasks``, Django >= 6.0) run by River: settings.TASKS names
``river.contrib.django.tasks.RiverBackend``, so ``enqueue`` inserts a River job and
``manage.py river_worker`` runs it."""

from __future__ import annotations

from django.tasks import task

from notes.models import Note


@task
def count_words(note_id: int) -> int:
    """The number of words in the note: the task's return value, read back with
    ``count_words.get_result(result_id).return_value``."""
    return len(Note.objects.get(id=note_id).body.split())
