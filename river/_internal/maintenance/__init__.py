"""The leader's maintenance services (River's ``internal/maintenance``).

One module per service, each an ``AsyncService`` (``service_async``) with a sync twin:
``scheduler``, ``rescuer``, ``cleaner`` (jobs), ``queue_cleaner``, ``reindexer`` and
``periodic`` (the periodic job enqueuer); ``maintainer`` runs them while the client leads.
"""
