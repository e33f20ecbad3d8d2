"""The guard of ``job_delete_many``: no filter means every job, so it must be asked for."""

from __future__ import annotations

from river.driver.params import JobListParams
from river.errors import InvalidJobListParamsError


def check_delete_many_params(params: JobListParams) -> None:
    """Refuse ``where`` conditions (listing only), and params without a filter unless
    they say that deleting all jobs is meant."""
    if params.where:
        raise InvalidJobListParamsError(
            "where conditions apply to job_list only, not to job_delete_many; filter with "
            "ids, kinds, priorities, queues, states, tags or the JSON filters"
        )
    if params.filters_empty() and not params.unsafe_all_jobs:
        raise InvalidJobListParamsError(
            "job_delete_many with no filter would delete every job that is not running; "
            "give a filter (ids, kinds, priorities, queues, states, tags_all, tags_any, "
            "metadata_contains, args_contains or args_text; an empty value, \"\" or {} "
            "filters nothing, and order_by and after are not filters) or pass "
            "JobListParams.unsafe_all() to delete all jobs"
        )
