"""Queue rows kept alive by both languages: River Go's producer and river-queue's touch
the ``river_queue`` row of the queue they work, and the leader's queue cleaner, of either
language, deletes only the rows no producer has touched for 24 hours."""

from __future__ import annotations

from tests.interop._cluster import (
    GO_ID,
    PY_ID,
    leader,
    put_stale_queue,
    python_member,
    queue_fresh,
    wait_leader,
    wait_until,
)
from tests.interop._gopeer import GoPeer

GO_QUEUE = "go_queue"
PY_QUEUE = "py_queue"


def test_each_language_keeps_its_queue_row_alive_for_the_others_cleaner(
    gopeer: GoPeer, database_url: str, schema: str
) -> None:
    url = database_url

    def gone(name: str) -> bool:
        return queue_fresh(url, schema, name) is None

    # Deleted by river-queue's queue cleaner once it leads: its first pass is over.
    put_stale_queue(url, schema, "stale_before")
    with python_member(url, schema, queues={PY_QUEUE: 1}, queue_report_interval_seconds=0.1):
        wait_leader(url, schema, PY_ID)
        wait_until(lambda: gone("stale_before"), "river-queue's queue cleaner ran")
        for name in (GO_QUEUE, PY_QUEUE, "abandoned_under_go"):
            put_stale_queue(url, schema, name)
        # River Go touches its queue's row when its producer starts (then every 10
        # minutes), river-queue every 0.1 s here.
        peer = gopeer.start(schema, client_id=GO_ID, queues={GO_QUEUE: 1},
                            timeout_seconds=300, kinds={"interop_echo": {"behaviour": "noop"}})
        try:
            wait_until(lambda: queue_fresh(url, schema, GO_QUEUE), "River Go touched its queue")
            wait_until(lambda: queue_fresh(url, schema, PY_QUEUE), "river-queue touched its queue")
            # river-queue's leader steps aside when asked: River Go leads, and its queue
            # cleaner passes once at once.
            gopeer.run("queue", schema, {"action": "request_resign"})
            wait_leader(url, schema, GO_ID)
            wait_until(lambda: gone("abandoned_under_go"), "River Go's queue cleaner ran")
            assert queue_fresh(url, schema, PY_QUEUE) and queue_fresh(url, schema, GO_QUEUE)

            put_stale_queue(url, schema, "abandoned_under_python")
            peer.stop()  # resigns: river-queue leads again
        finally:
            if peer.proc.poll() is None:
                peer.kill()
        wait_leader(url, schema, PY_ID)
        wait_until(lambda: gone("abandoned_under_python"), "river-queue's queue cleaner ran")
        assert leader(url, schema) == PY_ID
        # River Go's row, touched when its producer started, outlives River Go's client.
        assert queue_fresh(url, schema, GO_QUEUE) and queue_fresh(url, schema, PY_QUEUE)
