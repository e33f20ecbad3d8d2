"""``POST /notes`` writes a note and enqueues its job and its ``count_words`` task in one
transaction; ``GET /tasks/<id>`` reads the task's result."""

from __future__ import annotations

import json

from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.tasks.exceptions import TaskResultDoesNotExist, TaskResultMismatch
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from notes.jobs import ProcessNoteArgs
from notes.models import Note
from notes.tasks import count_words
from river.contrib.django import get_client


class Refused(Exception):
    pass


def enqueue_note(body: str) -> tuple[Note, str]:
    """The note, its job and its task commit together, or (body "fail") roll back
    together; returns the note and the task's result id."""
    with transaction.atomic():
        note = Note.objects.create(body=body)
        get_client().insert_tx(connection, ProcessNoteArgs(note_id=note.id))
        counting = count_words.enqueue(note.id)
        if body == "fail":
            raise Refused(body)
    return note, counting.id


@csrf_exempt
@require_POST
def create_note(request: HttpRequest) -> JsonResponse:
    try:
        body = json.loads(request.body)["body"]
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": "expected JSON {\"body\": ...}"}, status=400)
    try:
        note, count_task = enqueue_note(str(body))
    except Refused:
        return JsonResponse({"error": "refused"}, status=422)
    return JsonResponse({"id": note.id, "count_task": count_task}, status=201)


@require_GET
def read_note(request: HttpRequest, note_id: int) -> JsonResponse:
    note = Note.objects.filter(id=note_id).first()
    if note is None:
        return JsonResponse({"error": "no such note"}, status=404)
    return JsonResponse({"id": note.id, "body": note.body, "processed": note.processed})


@require_GET
def read_task(request: HttpRequest, result_id: str) -> JsonResponse:
    try:
        result = count_words.get_result(result_id)
    except (TaskResultDoesNotExist, TaskResultMismatch):  # no job, or another task's
        return JsonResponse({"error": "no such task"}, status=404)
    body: dict[str, object] = {"status": result.status.value}
    if result.status == "SUCCESSFUL":
        body["return_value"] = result.return_value
    body["errors"] = [e.exception_class_path for e in result.errors]
    return JsonResponse(body)
