"""River in a Django project: an installable app (``"river.contrib.django"`` in
``INSTALLED_APPS``) with

* settings-driven clients (``RIVER = {...}``, see ``settings.py``): ``get_client()``;
* River's tables created by ``manage.py migrate`` (a reversible migration running River's
  migrator for the configured schema: ``manage.py migrate river zero`` removes them);
* ``manage.py river_worker``, which works jobs until signalled, with the stop stages of
  ``river worker`` (first signal: finish running jobs; second: cancel them; third: exit);
* transactional enqueue: any ``*_tx`` function takes Django's ``connection`` (or
  ``connections[alias]``), so a job inserted inside ``transaction.atomic()`` commits or
  rolls back with it (savepoints included), with no ``on_commit`` needed;
* Django's tasks (``django.tasks``, Django >= 6.0) as River jobs:
  ``TASKS = {"default": {"BACKEND": "river.contrib.django.tasks.RiverBackend"}}``.
"""

from __future__ import annotations

from river.contrib.django.clients import close_client, driver_for_alias, get_client, make_client

__all__ = ["close_client", "driver_for_alias", "get_client", "make_client"]
