"""Run by Django's test runner (``manage.py test notes``): the view enqueues in the
request's transaction, and river.testing works the job and the task inside the test's
transaction."""

from __future__ import annotations

from django.db import connection
from django.test import TestCase

from notes.jobs import ProcessNoteArgs, ProcessNoteWorker
from notes.models import Note
from river.contrib.django import close_client, get_client
from river.contrib.django.tasks import DjangoTaskArgs, DjangoTaskWorker
from river.testing import TestWorker, require_inserted_tx, require_not_inserted_tx


class CreateNoteTests(TestCase):
    @classmethod
    def tearDownClass(cls) -> None:
        close_client()  # its pool must not hold the test database open
        super().tearDownClass()

    def test_note_and_job_commit_together_and_the_job_works(self) -> None:
        response = self.client.post("/notes", {"body": "hello"}, content_type="application/json")
        self.assertEqual(response.status_code, 201)
        note_id = response.json()["id"]
        client = get_client()
        job = require_inserted_tx(client, connection, ProcessNoteArgs)
        self.assertEqual(job.args.note_id, note_id)
        worker = TestWorker(client.driver, ProcessNoteWorker(), client.config)
        result = worker.work_job(connection, job.row)
        self.assertEqual(result.event_kind.value, "job_completed")
        self.assertTrue(self.client.get(f"/notes/{note_id}").json()["processed"])

    def test_the_count_task_is_enqueued_with_the_note_and_returns_the_count(self) -> None:
        response = self.client.post(
            "/notes", {"body": "three short words"}, content_type="application/json"
        )
        result_id = response.json()["count_task"]
        self.assertEqual(self.client.get(f"/tasks/{result_id}").json()["status"], "READY")
        client = get_client()
        row = client.job_get_tx(connection, int(result_id))
        worker = TestWorker(client.driver, DjangoTaskWorker(), client.config)
        self.assertEqual(worker.work_job(connection, row).event_kind.value, "job_completed")
        self.assertEqual(
            self.client.get(f"/tasks/{result_id}").json(),
            {"status": "SUCCESSFUL", "return_value": 3, "errors": []},
        )

    def test_a_refused_note_rolls_back_its_job_and_task(self) -> None:
        response = self.client.post("/notes", {"body": "fail"}, content_type="application/json")
        self.assertEqual(response.status_code, 422)
        self.assertFalse(Note.objects.exists())
        require_not_inserted_tx(get_client(), connection, ProcessNoteArgs)
        require_not_inserted_tx(get_client(), connection, DjangoTaskArgs)

    def test_an_unknown_task_is_a_404(self) -> None:
        for result_id in ["abc", "999999", "-1", "%E2%80%AE1"]:
            self.assertEqual(self.client.get(f"/tasks/{result_id}").status_code, 404)

    def test_bad_input_is_a_400(self) -> None:
        response = self.client.post("/notes", "not json", content_type="application/json")
        self.assertEqual(response.status_code, 400)
