# WARNING: this file is generated from 'sequence_sweeper_async.py' by tools/async_to_sync.py.
# DO NOT EDIT: edit the source and run the tool again.
"""The sequence sweeper: the leader's safety net for sequences a promotion missed."""

from __future__ import annotations

from river._internal.flow.sequence import sweep
from river._internal.maintenance.workflow_sweeper import WorkflowSweeper
from river.driver.executor import Executor


class SequenceSweeper(WorkflowSweeper):
    """Every ``interval`` seconds (as the workflow sweeper), makes available the next job
    of each sequence that has nothing in its way: promotion normally happens in the
    transaction inserting or finishing a job of the sequence; this catches changes made
    outside a client and a client lost between the two."""

    name = "sequence sweeper"

    def _sweep(self, tx: Executor) -> int:
        return sweep(tx, self.insert_topic, self.batch_size)
