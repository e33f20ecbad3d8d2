"""``river worker MODULE:ATTRIBUTE``: run a client from the user's code until signalled.

The target is a ``river.Client`` / ``river.AsyncClient`` instance, or a function (sync or
async) taking no arguments that returns one; an async factory lets async drivers open
their pools inside the event loop that runs the client.

Stopping escalates like River's examples: the first SIGINT/SIGTERM stops fetching and lets
running jobs finish, the second cancels them (they go back to ``available``), the third
exits at once. With ``--processes N`` a supervisor runs N children and passes each stage to
them through a pipe: a signal reaching both it and its children (a terminal's Ctrl+C, a
service manager signalling the whole group) counts once, and a child whose supervisor
dies sees the pipe close and stops softly.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.util
import inspect
import logging
import os
import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from river.cli._common import (
    GC_THRESHOLD_DEFAULT,
    CLIError,
    add_gc_threshold_option,
    positive_int,
    tune_gc,
)
from river.cli.worker import logformat
from river.cli.worker.joblines import follow_jobs, left_running_line
from river.cli.worker.supervisor import POLL_SECONDS, supervise
from river.shutdown import SIGNALS, Escalator, StopRequests, raise_if_all_failed, run_until_stopped

if TYPE_CHECKING:
    from river.client import Client
    from river.client_async import AsyncClient

logger = logging.getLogger("river.worker")

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    helptext = "run a river.Client or river.AsyncClient from your code until stopped"
    p = sub.add_parser(
        "worker",
        help=helptext,
        description=f"{helptext}. The first SIGINT/SIGTERM stops softly (running jobs "
        "finish), the second cancels running jobs, the third exits at once.",
    )
    p.add_argument(
        "spec",
        metavar="MODULE:ATTRIBUTE",
        help="a client instance, or a function (sync or async) returning one, e.g. "
        "myapp.jobs:client; the current directory is importable",
    )
    p.add_argument(
        "--processes",
        type=positive_int("a positive number"),
        default=1,
        metavar="N",
        help="worker processes, each running its own client (default 1)",
    )
    p.add_argument(
        "--log-level",
        type=str.upper,
        choices=LOG_LEVELS,
        default="INFO",
        metavar="LEVEL",
        help=f"logging level: {', '.join(LOG_LEVELS)} (default INFO)",
    )
    p.add_argument(
        "--log-format",
        choices=LOG_FORMATS,
        default="text",
        help="text lines, or one JSON object per line with the message, level, logger, "
        "time, the job's fields and exc_info (default text)",
    )
    p.add_argument(
        "--quiet",
        action="store_true",
        help="no INFO line per finished job (kind, id, queue, attempt, outcome, duration)",
    )
    p.add_argument(
        "--metrics-port",
        type=_port,
        default=None,
        metavar="N",
        help="serve Prometheus metrics on http://0.0.0.0:N/metrics (one process only; "
        "needs river-queue[prometheus])",
    )
    # The worker owns its process, so it may tune the collector for working jobs.
    add_gc_threshold_option(p, default=GC_THRESHOLD_DEFAULT)
    # Set by a supervisor for its children: the pipe it sends stop stages on.
    p.add_argument("--supervisor-fd", type=int, default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_worker)


def _port(text: str) -> int:
    value = positive_int("a port")(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"not a port: {value}")
    return value


def cmd_worker(args: argparse.Namespace) -> int:
    logformat.configure(args.log_level, args.log_format)
    module_name, attribute = parse_spec(args.spec)
    if args.processes > 1 and args.metrics_port is not None:
        raise CLIError("--metrics-port serves one process: use it with --processes 1")
    if args.processes > 1:
        _check_module_exists(module_name)
        return supervise(args)
    stop = StopRequests(
        quiet=args.supervisor_fd is not None, line=logformat.stage_line(args.log_format)
    )
    previous = {sig: signal.signal(sig, stop.on_signal) for sig in SIGNALS}
    try:
        if args.supervisor_fd is not None:
            stop.follow(args.supervisor_fd)
        target = load_target(module_name, attribute)
        tune_gc(args.gc_threshold)  # after the application's imports: they are frozen too
        _run_target(
            target, args.spec, stop, getattr(args, "metrics_port", None),
            job_lines=not getattr(args, "quiet", False),
        )
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


# -- finding the client ------------------------------------------------------------------------


def parse_spec(spec: str) -> tuple[str, str]:
    """``(module, attribute)`` of ``MODULE:ATTRIBUTE`` (both may be dotted)."""
    module, sep, attribute = spec.partition(":")
    if not sep or not _dotted(module) or not _dotted(attribute):
        raise CLIError(
            f"invalid worker target {spec!r}: expected MODULE:ATTRIBUTE, e.g. myapp.jobs:client"
        )
    return module, attribute


def _dotted(name: str) -> bool:
    return bool(name) and all(part.isidentifier() for part in name.split("."))


def _importable_path() -> None:
    # As ``python -m`` does, so ``river worker app:client`` finds ./app.py from a script.
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)


def _not_found(module: str, exc: ModuleNotFoundError) -> bool:
    """Whether ``exc`` says ``module`` itself (or a parent package) does not exist."""
    return bool(exc.name) and (module == exc.name or module.startswith(f"{exc.name}."))


def _no_module(module: str, missing: str | None) -> CLIError:
    return CLIError(
        f"cannot import {module!r}: no module named {missing or module!r} "
        f"(looked in the current directory and sys.path)"
    )


def load_target(module_name: str, attribute: str) -> Any:
    """The object ``attribute`` names in ``module_name``, imported from the current directory."""
    _importable_path()
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if _not_found(module_name, exc):
            raise _no_module(module_name, exc.name) from exc
        raise _import_failed(module_name, exc) from exc
    except Exception as exc:
        raise _import_failed(module_name, exc) from exc
    obj: Any = module
    for part in attribute.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise CLIError(f"module {module_name!r} has no attribute {attribute!r}") from None
    return obj


def _import_failed(module: str, exc: BaseException) -> CLIError:
    reason = " ".join(str(exc).split())
    what = f"{type(exc).__name__}: {reason}" if reason else type(exc).__name__
    return CLIError(f"importing {module!r} failed: {what}", traceback_helps=True)


def _client_classes() -> tuple[type[Client[Any]], type[AsyncClient[Any]]]:
    # Imported here: every ``river`` command loads this module to build its parser.
    from river.client import Client
    from river.client_async import AsyncClient

    return Client, AsyncClient


def _a(obj: Any) -> str:
    name = type(obj).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def _factory(obj: Any, spec: str) -> Callable[[], Any]:
    if inspect.isclass(obj) or not callable(obj):
        what = f"the class {obj.__name__}" if inspect.isclass(obj) else _a(obj)
        raise CLIError(
            f"{spec} is {what}, not a river.Client, river.AsyncClient "
            "or a function returning one"
        )
    try:
        params = inspect.signature(obj).parameters.values()
    except (TypeError, ValueError):
        params = None  # no signature to check (some builtins): just call it
    if params is not None and any(
        p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params
    ):
        raise CLIError(f"{spec} takes arguments; a client factory must take none")
    factory: Callable[[], Any] = obj
    return factory


def _run_target(
    obj: Any,
    spec: str,
    stop: StopRequests,
    metrics_port: int | None = None,
    *,
    job_lines: bool = True,
) -> None:
    client_cls, async_client_cls = _client_classes()
    made = obj if isinstance(obj, (client_cls, async_client_cls)) else _factory(obj, spec)()
    if isinstance(made, async_client_cls) or inspect.isawaitable(made):
        # An async factory runs in the loop that runs its client: pools it opens stay usable.
        made = asyncio.run(_run_async(made, spec, stop, metrics_port, job_lines=job_lines))
        if made is None:
            return
    if not isinstance(made, client_cls):
        raise CLIError(f"{spec} returned {_a(made)}, not a river.Client or river.AsyncClient")
    _run_sync(made, spec, stop, metrics_port, job_lines=job_lines)


def _check_client(client: Client[Any] | AsyncClient[Any], spec: str) -> None:
    if not client.config.queues:
        raise CLIError(f"{spec} has no queues to work: give its Config queues={{...}}")
    if not len(client.workers):
        raise CLIError(f"{spec} has no workers registered: give its Config workers=...")


# -- running one client ------------------------------------------------------------------------


def _serve_metrics(client: Client[Any] | AsyncClient[Any], port: int | None) -> list[Any]:
    # Before the client starts: its event stream is followed from the first job on.
    if port is None:
        return []
    from river.cli.worker.metrics import serve_metrics

    return serve_metrics(client, port)


def _follow(client: Client[Any] | AsyncClient[Any], stop: StopRequests, job_lines: bool) -> Any:
    # Before the client starts, as the metrics: every job it works gets its line.
    stop.left_running = lambda: left_running_line(client)
    return follow_jobs(client) if job_lines else None


def _started(client: Client[Any] | AsyncClient[Any]) -> None:
    logger.info(
        "river worker: client %s working queues %s (pid %d)",
        client.id, ", ".join(client.config.queues), os.getpid(),
    )


def _run_sync(
    client: Client[Any],
    spec: str,
    stop: StopRequests,
    metrics_port: int | None = None,
    *,
    job_lines: bool = True,
) -> None:
    try:
        _check_client(client, spec)
        if stop.level == 0:
            _keep = _serve_metrics(client, metrics_port)  # kept alive while the client runs
            _lines = _follow(client, stop, job_lines)
            client.start()
            _started(client)
        run_until_stopped(client, stop)
    finally:
        client.close()


async def _run_async(
    made: Any,
    spec: str,
    stop: StopRequests,
    metrics_port: int | None = None,
    *,
    job_lines: bool = True,
) -> Client[Any] | None:
    """Run an ``AsyncClient`` (awaiting ``made`` first if it is awaitable) until stopped.

    A sync client coming out of an async factory is returned, to be run outside the loop.
    """
    client_cls, async_client_cls = _client_classes()
    if inspect.isawaitable(made):
        made = await made
    if isinstance(made, client_cls):
        return made
    if not isinstance(made, async_client_cls):
        raise CLIError(f"{spec} returned {_a(made)}, not a river.Client or river.AsyncClient")
    client: AsyncClient[Any] = made
    try:
        _check_client(client, spec)
        if stop.level == 0:
            _keep = _serve_metrics(client, metrics_port)  # kept alive while the client runs
            _lines = _follow(client, stop, job_lines)
            await client.start()
            _started(client)
        escalator = Escalator(stop)
        calls: list[asyncio.Future[None]] = []
        while not (calls and all(c.done() for c in calls)):
            calls += [
                asyncio.ensure_future(getattr(client, name)()) for name in escalator.new_calls()
            ]
            await asyncio.sleep(POLL_SECONDS)
        raise_if_all_failed([call.exception() for call in calls])
    finally:
        await client.close()
    return None


def _check_module_exists(module: str) -> None:
    # Fail once here rather than once per child; anything subtler is the children's to report.
    _importable_path()
    try:
        found = importlib.util.find_spec(module)
    except ModuleNotFoundError as exc:
        if _not_found(module, exc):
            raise _no_module(module, exc.name) from exc
        return
    except Exception:
        return
    if found is None:
        raise _no_module(module, module)
