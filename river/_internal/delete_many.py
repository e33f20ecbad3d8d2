"""The guard of ``job_delete_many``: no filter means every job, so it must be asked for."""

from __future__ import annotations

from river.driver.params import JobListParams


def check_delete_many_params(params: JobListParams) -> None:
    """Refuse params without a filter unless they say that deleting all jobs is meant."""
    if params.filters_empty() and not params.unsafe_all_jobs:
        raise ValueError(
            "job_delete_many with no filter would delete every job that is not running; "
            "give a filter (ids, kinds, priorities, queues, states, tags, metadata) or "
            "pass JobListParams.unsafe_all() to delete all jobs"
        )
