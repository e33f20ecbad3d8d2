"""Integrations with other libraries, each in its own package behind its own extra
(``river.contrib.sqlalchemy`` needs ``pip install "river-queue[sqlalchemy]"``, and so on for
``django``, ``asgi``, ``otel`` and ``prometheus``). Importing ``river`` imports none of them."""
