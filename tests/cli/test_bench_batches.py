"""``river bench`` builds its args and plain-COPY rows one insert batch at a time, so a
large burn-down's peak RSS is the client's, not that of n args built up front."""

from __future__ import annotations

import gc

from river.cli.bench.running import NoopArgs, _plain_rows, arg_batches
from river.cli.bench.schema import INSERT_BATCH


def _live_args() -> int:
    return sum(1 for o in gc.get_objects() if type(o) is NoopArgs)


def test_args_are_built_one_batch_at_a_time() -> None:
    n = 3 * INSERT_BATCH + 7
    before = _live_args()
    sizes = []
    for batch in arg_batches(n):
        assert _live_args() - before == len(batch)
        sizes.append(len(batch))
        del batch
    assert sizes == [INSERT_BATCH, INSERT_BATCH, INSERT_BATCH, 7]


def test_plain_copy_rows_come_one_batch_at_a_time() -> None:
    n = 2 * INSERT_BATCH + 1
    batches = [len(rows) for rows in _plain_rows(n)]
    assert batches == [INSERT_BATCH, INSERT_BATCH, 1]
