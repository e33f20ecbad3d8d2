"""Integrations, each in its own package behind its own extra (``river.contrib.<name>``)."""
