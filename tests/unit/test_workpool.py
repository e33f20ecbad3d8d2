"""The sync client's thread pool (pure logic, no database): every job handed over runs,
never more than ``max_workers`` at once, and jobs that block each get a thread."""

from __future__ import annotations

import contextvars
import threading
import time

import pytest

from river._internal.producer.workpool import WorkPool

WAIT = 10.0  # generous: a stalled pool fails the test instead of hanging it


def test_every_job_handed_over_runs_once_and_wait_all_waits_for_them() -> None:
    pool = WorkPool(4, "test")
    done: list[int] = []
    lock = threading.Lock()

    def job(n: int) -> None:
        with lock:
            done.append(n)

    for n in range(500):
        pool.submit(job, n)
    pool.wait_all()
    assert sorted(done) == list(range(500))


def test_wait_all_waits_for_a_thread_started_after_it_was_called(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Threads start running only once wait_all has been called, so the second thread is
    # started by the first (to take the job still waiting) after wait_all began.
    pool = WorkPool(2, "test")
    real_thread = threading.Thread

    class StartsOnceClosing(real_thread):
        def run(self) -> None:
            while not pool._closing:
                time.sleep(0.001)
            super().run()

    monkeypatch.setattr(threading, "Thread", StartsOnceClosing)
    second_started = threading.Event()
    done: list[str] = []

    def first() -> None:
        assert second_started.wait(WAIT)  # the second job is on the other thread
        done.append("first")

    def second() -> None:
        second_started.set()
        time.sleep(0.2)
        done.append("second")

    pool.submit(first)
    pool.submit(second)
    pool.wait_all()
    assert sorted(done) == ["first", "second"]
    assert len(pool._threads) == 2


def test_blocking_jobs_run_at_once_up_to_max_workers() -> None:
    # Every job waits for all the others to start: this only ends if each gets a thread.
    workers = 8
    pool = WorkPool(workers, "test")
    barrier = threading.Barrier(workers, timeout=WAIT)
    passed: list[bool] = []

    def job() -> None:
        barrier.wait()
        passed.append(True)

    for _ in range(workers):
        pool.submit(job)
    pool.wait_all()
    assert len(passed) == workers


def test_no_more_than_max_workers_jobs_run_at_once() -> None:
    pool = WorkPool(3, "test")
    lock = threading.Lock()
    running = 0
    most = 0

    def job() -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.005)
        with lock:
            running -= 1

    for _ in range(40):
        pool.submit(job)
    pool.wait_all()
    assert most <= 3
    assert len(pool._threads) <= 3


def test_jobs_handed_over_to_parked_threads_run() -> None:
    # Threads park once the queue is empty; later jobs must wake them.
    pool = WorkPool(4, "test")
    done = threading.Semaphore(0)
    for _ in range(5):
        for _ in range(4):
            pool.submit(done.release)
        for _ in range(4):
            assert done.acquire(timeout=WAIT)
        time.sleep(0.01)  # let the threads park
    pool.wait_all()


def test_grow_lets_one_more_job_run_beside_blocked_ones() -> None:
    pool = WorkPool(1, "test")
    release = threading.Event()
    second_ran = threading.Event()
    pool.submit(release.wait, WAIT)
    pool.submit(second_ran.set)
    time.sleep(0.05)
    assert not second_ran.is_set()  # the only thread is blocked
    pool.grow()
    assert second_ran.wait(WAIT)
    release.set()
    pool.wait_all()


def test_each_job_runs_in_a_copy_of_the_context_it_was_handed_over_in() -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")
    pool = WorkPool(1, "test")
    seen: list[str] = []

    def job(leak: bool) -> None:
        seen.append(var.get())
        if leak:
            var.set("leaked")

    var.set("caller")
    pool.submit(job, True)
    pool.submit(job, False)
    pool.wait_all()
    assert seen == ["caller", "caller"]


def test_a_job_that_raises_does_not_stop_its_thread() -> None:
    pool = WorkPool(1, "test")
    ran: list[int] = []

    def bad() -> None:
        raise RuntimeError("boom")

    pool.submit(bad)
    pool.submit(ran.append, 1)
    pool.wait_all()
    assert ran == [1]
