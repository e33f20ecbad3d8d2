"""Every ``river bench`` figure with its same-run baseline, repeated: min/median/max.

    python -m benchmarks.figures --database-url URL [-n 50000] [--repeat 3] [--only asyncpg]

Runs ``river bench --json`` for each configuration below ``--repeat`` times (round-robin,
so slow phases of a shared machine spread over all of them) and prints one JSON object:
for each configuration, the command line and min/median/max of every numeric figure.
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


def _flatten(result: dict[str, Any], prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in result.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out[prefix + key] = float(value)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("-n", "--num-total-jobs", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", nargs="*", choices=sorted(CONFIGS), default=None)
    opts = parser.parse_args()
    names = opts.only or list(CONFIGS)
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in names}
    commands: dict[str, list[str]] = {}
    for _ in range(opts.repeat):
        for name in names:
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
