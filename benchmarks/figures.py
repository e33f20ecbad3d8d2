"""Every ``river bench`` figure with its same-run baseline, repeated: min/median/max.

    python -m benchmarks.figures --database-url URL [-n 50000] [--repeat 3] [--only asyncpg]

Runs ``river bench --json`` for each configuration below ``--repeat`` times (round-robin,
so slow phases of a shared machine spread over all of them) and prints one JSON object:
for each configuration, the command line and min/median/max of every numeric figure.
``river_go_vs_asyncpg`` runs River Go's burn-down and river-queue's in turn on the same
database and job count (``benchmarks.river_go``; needs the Go toolchain) and reports their
ratio. ``million_jobs_on_defaults`` works ``-n`` jobs on the library's defaults and
reports the last slice's throughput ÷ the first's and the peak RSS (``benchmarks.million``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from typing import Any

CONFIGS: dict[str, list[str]] = {
    "asyncpg_async": ["--driver", "asyncpg", "--ceiling", "--defaults"],
    "psycopg3_async": ["--driver", "psycopg3", "--ceiling", "--defaults"],
    "psycopg3_sync": [
        "--driver", "psycopg3", "--colour", "sync", "--ceiling", "--defaults", "--versus-asyncpg",
    ],
    "psycopg2_sync": ["--driver", "psycopg2", "--ceiling", "--defaults", "--versus-asyncpg"],
    "asyncpg_async_gc_tuned": ["--driver", "asyncpg", "--ceiling", "--gc-threshold", "50000"],
    "asyncpg_processes_2": ["--driver", "asyncpg", "--processes", "2"],
    "asyncpg_latency": ["--driver", "asyncpg", "--duration", "10", "--rate", "1000"],
}
# Not `river bench` configurations: other programs printing one JSON object, with `-n`, the
# database URL and `--repeat 1` appended. River Go beside river-queue (benchmarks.river_go:
# the two burn-downs alternate within a round, the ratio is river-queue ÷ River Go), and
# the library's defaults over a growing table (benchmarks.million: throughput per slice,
# last slice ÷ first, peak RSS; its -n is the run's, so give -n 1000000 for the target).
PROGRAMS: dict[str, list[str]] = {
    "river_go_vs_asyncpg": ["-m", "benchmarks.river_go"],
    "million_jobs_on_defaults": ["-m", "benchmarks.million"],
}


def _flatten(result: dict[str, Any], prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in result.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out[prefix + key] = float(value)
    return out


def _program(name: str, database_url: str, jobs: int) -> dict[str, float]:
    argv = [*PROGRAMS[name], "-n", str(jobs), "--database-url", database_url, "--repeat", "1"]
    done = subprocess.run([sys.executable, *argv], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result.pop("runs", None)
    return _flatten(result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("-n", "--num-total-jobs", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", nargs="*", choices=sorted([*CONFIGS, *PROGRAMS]), default=None)
    opts = parser.parse_args()
    names = opts.only or [*CONFIGS, *PROGRAMS]
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in names}
    commands: dict[str, list[str]] = {}
    for _ in range(opts.repeat):
        for name in names:
            if name in PROGRAMS:
                runs[name].append(_program(name, opts.database_url, opts.num_total_jobs))
                commands[name] = ["python", *PROGRAMS[name], "-n", str(opts.num_total_jobs)]
                print(f"{name}: {runs[name][-1]}", file=sys.stderr)
                continue
            size = [] if "--duration" in CONFIGS[name] else ["-n", str(opts.num_total_jobs)]
            argv = ["river", "bench", "--json", *size, *CONFIGS[name]]
            commands[name] = argv
            done = subprocess.run(
                [sys.executable, "-m", "river", *argv[1:], "--database-url", opts.database_url],
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr}")
            runs[name].append(_flatten(json.loads(done.stdout.strip().splitlines()[-1])))
            print(f"{name}: {runs[name][-1]}", file=sys.stderr)
    report: dict[str, Any] = {}
    for name, results in runs.items():
        keys = sorted(set().union(*(r.keys() for r in results)))
        report[name] = {
            "command": " ".join(commands[name]),
            "figures": {
                k: {
                    "min": min(r[k] for r in results if k in r),
                    "median": statistics.median(r[k] for r in results if k in r),
                    "max": max(r[k] for r in results if k in r),
                }
                for k in keys
            },
        }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
