"""Integrations with other libraries, each in its own subpackage behind its own extra
(``pip install "river-queue[sqlalchemy]"``, ``[django]``, ``[asgi]``). Importing ``river``
imports none of them."""
