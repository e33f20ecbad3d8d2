"""A workflow of five tasks: extract, then two transforms side by side, then load, then
report. ``transform_customers`` fails on its first attempt (its source is not ready yet);
River retries it like any job, and ``load`` waits in the ``pending`` state until both
transforms have completed. Each task hands its result to the next with
``river.record_output``, read with ``river.workflow_outputs()``.

Output:
inserted workflow nightly-etl: 5 tasks
transform_customers attempt 1 failed: customer export not ready
extract: completed after 1 attempt
transform_orders: completed after 1 attempt
transform_customers: completed after 2 attempts
load: completed after 1 attempt
report: completed after 1 attempt
report: loaded 3 orders of 2 customers
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from river_psycopg3 import PsycopgDriver

import river

FINISHED = {river.JobState.COMPLETED, river.JobState.CANCELLED, river.JobState.DISCARDED}
ORDERS = [{"id": 1, "customer": "ada"}, {"id": 2, "customer": "ada"}, {"id": 3, "customer": "bob"}]


@dataclass
class EtlStepArgs:
    kind = "etl_step"
    step: str


class EtlStepWorker(river.Worker[EtlStepArgs]):
    def work(self, job: river.Job[EtlStepArgs]) -> None:
        step = job.args.step
        if step == "extract":
            river.record_output(ORDERS)
        elif step == "transform_orders":
            river.record_output(len(river.workflow_outputs()["extract"]))
        elif step == "transform_customers":
            if job.attempt == 1:
                print("transform_customers attempt 1 failed: customer export not ready",
                      flush=True)
                raise RuntimeError("customer export not ready")
            orders = river.workflow_outputs()["extract"]
            river.record_output(len({o["customer"] for o in orders}))
        elif step == "load":
            outputs = river.workflow_outputs()
            river.record_output(
                {"orders": outputs["transform_orders"],
                 "customers": outputs["transform_customers"]}
            )
        elif step == "report":
            loaded = river.workflow_outputs()["load"]
            river.record_output(f"loaded {loaded['orders']} orders of {loaded['customers']} customers")


def wait_until_finished(client: river.Client, workflow_id: str) -> river.WorkflowInfo:
    while True:
        info = client.workflow_get(workflow_id)
        if all(task.state in FINISHED for task in info.tasks):
            return info
        time.sleep(0.1)


def main() -> None:
    driver = PsycopgDriver.open(os.environ["DATABASE_URL"], max_size=4)
    workers = river.Workers()
    workers.add(EtlStepWorker())
    client = river.Client(driver, river.Config(
        queues={"default": river.QueueConfig(max_workers=4)}, workers=workers,
        fetch_poll_interval=0.2,
    ))

    wf = river.Workflow("nightly-etl")
    extract = wf.add("extract", EtlStepArgs("extract"))
    orders = wf.add("transform_orders", EtlStepArgs("transform_orders"), deps=[extract])
    customers = wf.add("transform_customers", EtlStepArgs("transform_customers"), deps=[extract])
    load = wf.add("load", EtlStepArgs("load"), deps=[orders, customers])
    wf.add("report", EtlStepArgs("report"), deps=[load])
    result = client.insert_workflow(wf)
    print(f"inserted workflow {result.name}: {result.count} tasks")

    client.start()
    info = wait_until_finished(client, wf.id)
    for task in info.tasks:
        attempts = f"{task.job.attempt} attempt" + ("s" if task.job.attempt != 1 else "")
        print(f"{task.name}: {task.state.value} after {attempts}")
    print(f"report: {info.task('report').job.output}")
    client.stop()
    driver.close()


if __name__ == "__main__":
    main()
