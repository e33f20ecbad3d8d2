"""``POST /notes`` writes a note and enqueues its job in one transaction."""

from __future__ import annotations

import json

from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from notes.jobs import ProcessNoteArgs
from notes.models import Note
from river.contrib.django import get_client


class Refused(Exception):
    pass


def enqueue_note(body: str) -> Note:
    """The note and its job commit together, or (body "fail") roll back together."""
    with transaction.atomic():
        note = Note.objects.create(body=body)
        get_client().insert_tx(connection, ProcessNoteArgs(note_id=note.id))
        if body == "fail":
            raise Refused(body)
    return note


@csrf_exempt
@require_POST
def create_note(request: HttpRequest) -> JsonResponse:
    try:
        body = json.loads(request.body)["body"]
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": "expected JSON {\"body\": ...}"}, status=400)
    try:
        note = enqueue_note(str(body))
    except Refused:
        return JsonResponse({"error": "refused"}, status=422)
    return JsonResponse({"id": note.id}, status=201)


@require_GET
def read_note(request: HttpRequest, note_id: int) -> JsonResponse:
    note = Note.objects.filter(id=note_id).first()
    if note is None:
        return JsonResponse({"error": "no such note"}, status=404)
    return JsonResponse({"id": note.id, "body": note.body, "processed": note.processed})
