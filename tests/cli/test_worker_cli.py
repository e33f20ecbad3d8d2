"""``river worker``: run as ``python -m river worker`` on tests/_worker_app.py, judged by the
database and by the processes left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from psycopg import sql
from river_psycopg3 import PsycopgDriver

import river
from river.shutdown import STAGES
from tests._db import admin
from tests.programs.worker_app import BlockArgs, GcArgs, PairArgs, SleepArgs

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 30.0


class WorkerProcess:
    """A ``river worker`` process whose stderr is collected line by line."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "river", "worker", *args],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    @property
    def stderr(self) -> str:
        return "\n".join(self.lines)

    def wait_for_line(self, text: str, count: int = 1) -> None:
        poll_until(lambda: sum(text in line for line in self.lines) >= count,
                   f"{text!r} {count} time(s) on stderr", self)

    def signal(self, sig: int = signal.SIGTERM) -> None:
        self.proc.send_signal(sig)

    def wait(self, timeout: float = DEADLINE) -> int:
        code = self.proc.wait(timeout)
        self._reader.join(5)
        return code

    def children(self) -> list[int]:
        return children_of(self.proc.pid)


def children_of(pid: int) -> list[int]:
    """Live child processes of ``pid``, from /proc (zombies, already exited, left out)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after its ")".
        state, ppid = stat.rpartition(")")[2].split()[:2]
        if int(ppid) == pid and state != "Z":
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def poll_until(check: Callable[[], bool], what: str, worker: WorkerProcess | None = None,
               timeout: float = DEADLINE) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            detail = f"\nworker stderr:\n{worker.stderr}" if worker else ""
            pytest.fail(f"timed out waiting for {what}{detail}")
        time.sleep(0.05)


class Harness:
    def __init__(self, url: str, schema: str) -> None:
        self.url, self.schema = url, schema
        self.env = {**os.environ, "RIVER_WORKER_TEST_URL": url,
                    "RIVER_WORKER_TEST_SCHEMA": schema, "DATABASE_URL": ""}
        self.driver = PsycopgDriver.open(url, max_size=2)
        self.client: river.Client[Any] = river.Client(self.driver, river.Config(schema=schema))
        self.workers: list[WorkerProcess] = []

    def start(self, *args: str) -> WorkerProcess:
        worker = WorkerProcess(list(args), self.env)
        self.workers.append(worker)
        return worker

    def insert(self, args: Any, queue: str = "default") -> int:
        return self.client.insert(args, river.InsertOpts(queue=queue)).job.id

    def job(self, job_id: int) -> tuple[str, list[str]]:
        with admin(self.url) as conn:
            row = conn.execute(
                sql.SQL("SELECT state::text, attempted_by FROM {}.river_job WHERE id = %s")
                .format(sql.Identifier(self.schema)), (job_id,),
            ).fetchone()
        assert row is not None
        return row[0], list(row[1] or [])

    def wait_state(self, job_id: int, state: str, worker: WorkerProcess) -> None:
        poll_until(lambda: self.job(job_id)[0] == state, f"job {job_id} {state}", worker)

    def close(self) -> None:
        for worker in self.workers:
            for pid in [*worker.children(), worker.proc.pid]:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            worker.proc.wait()
        self.driver.close()


@pytest.fixture
def harness(database_url: str, schema: str) -> Iterator[Harness]:
    h = Harness(database_url, schema)
    yield h
    h.close()  # before ``schema`` is emptied for the next test


def test_works_jobs_and_first_signal_lets_running_job_finish(harness: Harness) -> None:
    worker = harness.start("tests.programs.worker_app:async_client")
    quick = harness.insert(SleepArgs(seconds=0))
    harness.wait_state(quick, "completed", worker)

    slow = harness.insert(SleepArgs(seconds=2))
    harness.wait_state(slow, "running", worker)
    worker.signal(signal.SIGTERM)

    assert worker.wait() == 0, worker.stderr
    assert harness.job(slow)[0] == "completed"
    assert STAGES[1] in worker.lines
    assert STAGES[2] not in worker.lines


def python_default_gc_threshold() -> int:
    """The youngest generation's threshold a new interpreter starts with (700 up to Python
    3.12, 2,000 from 3.13)."""
    done = subprocess.run([sys.executable, "-c", "import gc; print(gc.get_threshold()[0])"],
                          capture_output=True, text=True, check=True)
    return int(done.stdout)


@pytest.mark.parametrize(
    ("options", "threshold"),
    [((), 50_000), (("--gc-threshold", "0"), python_default_gc_threshold()),
     (("--processes", "2", "--gc-threshold", "9000"), 9000)],
)
def test_worker_tunes_the_garbage_collector(
    harness: Harness, options: tuple[str, ...], threshold: int
) -> None:
    worker = harness.start("tests.programs.worker_app:async_client", *options)
    job = harness.insert(GcArgs())
    harness.wait_state(job, "completed", worker)
    assert harness.client.job_get(job).output == {"threshold": threshold}
    worker.signal(signal.SIGTERM)
    assert worker.wait() == 0, worker.stderr


def test_second_signal_cancels_running_job_back_to_available(harness: Harness) -> None:
    worker = harness.start("tests.programs.worker_app:client")
    job = harness.insert(SleepArgs(seconds=60))
    harness.wait_state(job, "running", worker)

    worker.signal(signal.SIGTERM)
    worker.wait_for_line(STAGES[1])
    assert worker.proc.poll() is None  # the soft stop waits for the job
    worker.signal(signal.SIGINT)

    assert worker.wait() == 0, worker.stderr
    assert STAGES[2] in worker.lines
    assert harness.job(job)[0] == "available"  # interrupted by the client stop


def test_third_signal_exits_at_once_while_a_job_ignores_cancellation(
    harness: Harness,
) -> None:
    worker = harness.start("tests.programs.worker_app:client")
    job = harness.insert(BlockArgs(seconds=60))
    harness.wait_state(job, "running", worker)

    worker.signal(signal.SIGTERM)
    worker.wait_for_line(STAGES[1])
    worker.signal(signal.SIGTERM)
    worker.wait_for_line(STAGES[2])
    assert worker.proc.poll() is None  # cancelling cannot stop a blocking sync job
    started = time.monotonic()
    worker.signal(signal.SIGTERM)

    assert worker.wait(10) != 0
    assert time.monotonic() - started < 5
    assert STAGES[3] in worker.lines
    assert harness.job(job)[0] == "running"  # left for the rescuer: nothing finished it


def test_processes_share_the_work_and_stop_together(harness: Harness) -> None:
    supervisor = harness.start("tests.programs.worker_app:async_client", "--processes", "2")
    # Each pair job holds its client's only "pair" slot until the other runs elsewhere.
    jobs = [harness.insert(PairArgs(), queue="pair") for _ in range(2)]
    for job in jobs:
        harness.wait_state(job, "completed", supervisor)
    assert len({harness.job(job)[1][-1] for job in jobs}) == 2

    children = supervisor.children()
    assert len(children) == 2
    supervisor.signal(signal.SIGTERM)

    assert supervisor.wait() == 0, supervisor.stderr
    assert [pid for pid in children if alive(pid)] == []
    assert sum(STAGES[1] in line for line in supervisor.lines) == 1  # children stay quiet


def test_supervisor_stops_the_others_when_a_child_dies(harness: Harness) -> None:
    supervisor = harness.start("tests.programs.worker_app:async_client", "--processes", "2")
    supervisor.wait_for_line("working queues", count=2)
    first, second = supervisor.children()

    os.kill(first, signal.SIGKILL)

    assert supervisor.wait() != 0
    assert not alive(second)
    assert any("exited with code -9; stopping the others" in line
               for line in supervisor.lines), supervisor.stderr


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (["app.py"], "invalid worker target 'app.py': expected MODULE:ATTRIBUTE"),
        (["tests._no_such_module:client"], "no module named 'tests._no_such_module'"),
        (["tests._no_such_module:client", "--processes", "2"],
         "no module named 'tests._no_such_module'"),
        (["tests.programs.worker_app:missing"], "module 'tests.programs.worker_app' has no attribute 'missing'"),
        (["tests.programs.worker_app:NOT_A_CLIENT"], "is an int, not a river.Client"),
        (["tests.programs.worker_app:BlockArgs"], "is the class BlockArgs, not a river.Client"),
        (["tests.programs.worker_app:needs_arguments"], "takes arguments"),
        (["tests.programs.worker_app:no_queues"], "has no queues to work"),
    ],
    ids=["format", "module", "module-supervised", "attribute", "not-a-client", "class",
         "arguments", "no-queues"],
)
def test_bad_targets_are_one_line_errors(
    harness: Harness, target: list[str], message: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "river", "worker", *target],
        cwd=ROOT, env=harness.env, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 1, done
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("river: error: ") and message in lines[0], lines[0]
