"""A workflow: extract, then clean and stats side by side, then load, which reads their
outputs. Clean fails on its first run (one attempt allowed), so load is cancelled; once
the cause is fixed, ``workflow_retry`` runs clean again, then load.

Output:
inserted 4 tasks
first run: extract=completed clean=discarded stats=completed load=cancelled
after retry: extract=completed clean=completed stats=completed load=completed
load read: clean=cleaned 3 rows, stats=3
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from river_psycopg3 import PsycopgDriver

import river

QUEUE = "workflow_guide"
FINISHED = {river.JobState.COMPLETED, river.JobState.CANCELLED, river.JobState.DISCARDED}
broken = True
loaded: dict[str, object] = {}


@dataclass
class EtlArgs:
    kind = "guide_etl_step"
    step: str


class EtlWorker(river.Worker[EtlArgs]):
    def work(self, job: river.Job[EtlArgs]) -> None:
        step = job.args.step
        if step == "clean" and broken:
            raise RuntimeError("cleaning failed")
        if step == "clean":
            river.record_output("cleaned 3 rows")
        elif step == "stats":
            river.record_output(3)
        elif step == "load":
            loaded.update(river.workflow_outputs())


def wait_until_finished(client: river.Client, workflow_id: str) -> str:
    while True:
        info = client.workflow_get(workflow_id)
        if all(state in FINISHED for state in info.states.values()):
            return " ".join(f"{name}={state.value}" for name, state in info.states.items())
        time.sleep(0.1)


def main() -> None:
    global broken
    driver = PsycopgDriver.open(os.environ["DATABASE_URL"], max_size=4)
    workers = river.Workers()
    workers.add(EtlWorker())
    config = river.Config(
        queues={QUEUE: river.QueueConfig(max_workers=4)}, workers=workers,
        fetch_poll_interval=0.1,
    )
    client = river.Client(driver, config)

    wf = river.Workflow("nightly-etl")
    opts = river.InsertOpts(queue=QUEUE, max_attempts=1)
    extract = wf.add("extract", EtlArgs("extract"), opts)
    clean = wf.add("clean", EtlArgs("clean"), opts, deps=[extract])
    stats = wf.add("stats", EtlArgs("stats"), opts, deps=[extract])
    wf.add("load", EtlArgs("load"), opts, deps=[clean, stats])
    print(f"inserted {client.insert_workflow(wf).count} tasks")

    client.start()
    print("first run:", wait_until_finished(client, wf.id))
    broken = False
    client.workflow_retry(wf.id)
    print("after retry:", wait_until_finished(client, wf.id))
    print("load read:", ", ".join(f"{k}={v}" for k, v in sorted(loaded.items())))
    client.stop()
    driver.close()


if __name__ == "__main__":
    main()
