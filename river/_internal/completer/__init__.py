"""The completers and the changes they write: pending and rejected changes, and what a worker
writes inside the caller's transaction (``job_complete_tx``, the resumable ``*_tx``)."""
