"""The completers and the changes they write: pending and rejected changes, ``job_complete_tx``."""
