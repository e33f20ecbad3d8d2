"""Which River release's unique-job rules inserts follow (``Config.unique_rules``).

River v0.48 changed two things about unique jobs: ``by_period`` is measured from the
job's scheduled time (its ``scheduled_at``, else the insert time) and its start written
in UTC, where v0.43 took the insert time in the process's local time zone; and
``exclude_kind`` without ``by_args``, ``by_queue`` or ``by_period`` is refused, where
v0.43 ignored ``exclude_kind`` alone and accepted it with ``by_state`` only. Keys of
``by_period`` jobs differ between the two, so processes sharing unique jobs must follow
the same rules.
"""

from __future__ import annotations

import enum

from river.errors import InvalidUniqueOptsError
from river.insert_opts import UniqueOpts


class UniqueRules(enum.StrEnum):
    """The River release whose unique-job rules to follow."""

    #: River v0.43 to v0.47 (the default).
    RIVER_0_43 = "0.43"
    #: River v0.48 and later.
    RIVER_0_48 = "0.48"


def unique_opts_empty(opts: UniqueOpts, rules: UniqueRules) -> bool:
    """Whether ``opts`` leave a job not unique: under v0.43 rules ``exclude_kind`` alone
    does; under v0.48 rules it counts as an option (and is then refused)."""
    if rules is UniqueRules.RIVER_0_48 and opts.exclude_kind:
        return False
    return opts.is_empty()


def validate_unique_opts(opts: UniqueOpts, rules: UniqueRules) -> None:
    opts.validate()
    if (
        rules is UniqueRules.RIVER_0_48
        and opts.exclude_kind
        and not (opts.by_args or opts.by_queue or opts.by_period)
    ):
        # Every job would share one key across the whole table.
        raise InvalidUniqueOptsError(
            "unique exclude_kind needs by_args, by_queue or by_period "
            "(River v0.48 unique rules, Config.unique_rules)"
        )
