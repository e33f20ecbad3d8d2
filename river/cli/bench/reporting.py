"""What ``river bench`` reports: one run's figures, each beside its same-run baseline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from river.cli.bench.cputime import CPUSpan
from river.cli.bench.shapes import ShapeRate


@dataclass
class Result:
    """Figures of one ``river bench`` run; the optional ones are baselines of the same run."""

    driver: str
    colour: str
    processes: int
    jobs: int = 0
    insert_seconds: float = 0.0
    work_seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    # From the moment insert_many returned (its commit acknowledged) to the start of the
    # work: the queue's share, without the insert's own round trip and WAL flush. Slightly
    # less than commit → start (by the acknowledgement's trip back); negative when a
    # job started before its inserter resumed.
    after_commit_latencies_ms: list[float] = field(default_factory=list)
    # CPU time of this process (every thread) and of the server (when it runs on this
    # machine) while inserting and while working: the cost per job, which a busy machine
    # slows down but hardly inflates.
    insert_cpu: CPUSpan | None = None
    work_cpu: CPUSpan | None = None
    # Continuous mode inserts and works at once: CPU time of the whole run.
    cpu_seconds: float | None = None
    peak_rss_mb: float | None = None
    # Baselines, each measured in the same run (jobs a second).
    ceiling_jobs_per_sec: float | None = None  # minimal SQL, best shape, same driver
    ceiling_shapes: list[ShapeRate] = field(default_factory=list)
    ceiling_best: ShapeRate | None = None
    river_statements_jobs_per_sec: float | None = None  # River's statements, same driver
    plain_copy_jobs_per_sec: float | None = None
    defaults_jobs_per_sec: float | None = None  # the same client with library defaults
    asyncpg_jobs_per_sec: float | None = None  # the asyncpg AsyncClient, same settings
    one_process_jobs_per_sec: float | None = None
    # CPU of the SQL-only loops (client and server), per job.
    ceiling_cpu: CPUSpan | None = None
    river_statements_cpu: CPUSpan | None = None
    # The one-process baseline of ``--processes``: its CPU and time.
    one_process_cpu: CPUSpan | None = None
    one_process_seconds: float = 0.0

    def set_ceiling(self, top: ShapeRate, cpu: CPUSpan, shapes: list[ShapeRate]) -> None:
        """The minimal loop's best shape (the ceiling), its CPU, and every shape's rate."""
        self.ceiling_best, self.ceiling_cpu, self.ceiling_shapes = top, cpu, shapes
        self.ceiling_jobs_per_sec = top.jobs_per_sec

    def summary(self) -> dict[str, Any]:
        worked = rate(self.jobs, self.work_seconds)
        inserted = rate(self.jobs, self.insert_seconds)
        out: dict[str, Any] = {
            "driver": self.driver,
            "colour": self.colour,
            "processes": self.processes,
            "jobs": self.jobs,
            "jobs_per_sec_inserted": inserted,
            "jobs_per_sec_worked": worked,
            "work_seconds": round(self.work_seconds, 3),
        }
        _cpu(out, "insert", self.insert_cpu, self.jobs)
        _cpu(out, "work", self.work_cpu, self.jobs)
        if self.ceiling_best is not None:
            _cpu(out, "ceiling", self.ceiling_cpu, self.ceiling_best.jobs)
        _cpu(out, "river_statements", self.river_statements_cpu, self.jobs)
        _cores(out, "work_cores_busy", self.work_cpu, self.work_seconds)
        _cores(out, "one_process_cores_busy", self.one_process_cpu, self.one_process_seconds)
        if self.jobs and self.cpu_seconds is not None:
            out["cpu_us_per_job"] = round(self.cpu_seconds / self.jobs * 1e6, 1)
        if self.peak_rss_mb is not None:
            out["peak_rss_mb"] = round(self.peak_rss_mb, 1)
        if self.latencies_ms:
            lat = sorted(self.latencies_ms)
            out["latency_ms"] = {
                "p50": round(percentile(lat, 0.50), 2),
                "p95": round(percentile(lat, 0.95), 2),
                "p99": round(percentile(lat, 0.99), 2),
                "samples": len(lat),
            }
        if self.after_commit_latencies_ms:
            lat = sorted(self.after_commit_latencies_ms)
            out["after_commit_latency_ms"] = {
                "p50": round(percentile(lat, 0.50), 2),
                "p95": round(percentile(lat, 0.95), 2),
                "p99": round(percentile(lat, 0.99), 2),
            }
        _ratio(out, "ceiling_jobs_per_sec", self.ceiling_jobs_per_sec, worked, "ratio_of_ceiling")
        if self.ceiling_best is not None:
            best = self.ceiling_best.shape
            out["ceiling_shape"] = {"batch": best.batch, "connections": best.connections}
            out["ceiling_shapes"] = [r.to_json() for r in self.ceiling_shapes]
        _ratio(
            out,
            "river_statements_jobs_per_sec",
            self.river_statements_jobs_per_sec,
            worked,
            "ratio_of_river_statements",
        )
        _ratio(
            out,
            "plain_copy_jobs_per_sec",
            self.plain_copy_jobs_per_sec,
            inserted,
            "insert_ratio_of_plain_copy",
        )
        if self.defaults_jobs_per_sec is not None:
            # Here the tuned figure is the baseline of the defaults figure.
            out["defaults_jobs_per_sec_worked"] = round(self.defaults_jobs_per_sec, 1)
            out["defaults_ratio_of_tuned"] = (
                round(self.defaults_jobs_per_sec / worked, 3) if worked else None
            )
        _ratio(out, "asyncpg_jobs_per_sec", self.asyncpg_jobs_per_sec, worked, "ratio_of_asyncpg")
        _ratio(
            out,
            "one_process_jobs_per_sec",
            self.one_process_jobs_per_sec,
            worked,
            "ratio_of_one_process",
        )
        return out


def _ratio(
    out: dict[str, Any], key: str, baseline: float | None, figure: float | None, ratio_key: str
) -> None:
    if not baseline:
        return
    out[key] = round(baseline, 1)
    out[ratio_key] = round((figure or 0) / baseline, 3)


def _cpu(out: dict[str, Any], name: str, span: CPUSpan | None, jobs: int) -> None:
    """``<name>_cpu_us_per_job`` (the client process) and ``<name>_server_cpu_us_per_job``
    (a server on this machine): CPU microseconds per job over the span."""
    if span is None or not jobs:
        return
    out[f"{name}_cpu_us_per_job"] = round(span.client_seconds / jobs * 1e6, 1)
    if span.server_seconds is not None:
        out[f"{name}_server_cpu_us_per_job"] = round(span.server_seconds / jobs * 1e6, 1)


def _cores(out: dict[str, Any], key: str, span: CPUSpan | None, seconds: float) -> None:
    """How many cores the client and the server kept busy on average (when the server's
    CPU is known): a run near the machine's core count was bound by CPU, not by waiting."""
    if span is None or span.server_seconds is None or seconds <= 0:
        return
    out[key] = round((span.client_seconds + span.server_seconds) / seconds, 2)


def rate(n: int, seconds: float) -> float | None:
    return round(n / seconds, 1) if seconds > 0 else None


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    i = min(len(sorted_values) - 1, int(q * len(sorted_values)))
    return sorted_values[i]


def print_summary(s: dict[str, Any]) -> None:
    print(f"river bench: driver={s['driver']} colour={s['colour']} processes={s['processes']}")
    print(f"  jobs:              {s['jobs']:,}")
    print(f"  inserted:          {s.get('jobs_per_sec_inserted') or 0:,.0f} jobs/s")
    if "plain_copy_jobs_per_sec" in s:
        print(
            f"  plain COPY:        {s['plain_copy_jobs_per_sec']:,.0f} jobs/s "
            f"(river-queue insert at {s['insert_ratio_of_plain_copy']:.2f}x)"
        )
    print(f"  worked:            {s.get('jobs_per_sec_worked') or 0:,.0f} jobs/s")
    lines = (
        ("ceiling_jobs_per_sec", "ratio_of_ceiling", "minimal SQL ceiling"),
        ("river_statements_jobs_per_sec", "ratio_of_river_statements", "River statements"),
        ("asyncpg_jobs_per_sec", "ratio_of_asyncpg", "asyncpg AsyncClient"),
        ("one_process_jobs_per_sec", "ratio_of_one_process", "one process"),
    )
    for key, ratio_key, label in lines:
        if key in s:
            print(f"  {label + ':':<19}{s[key]:,.0f} jobs/s (river-queue at {s[ratio_key]:.2f}x)")
            if key == "ceiling_jobs_per_sec" and "ceiling_shape" in s:
                shape = s["ceiling_shape"]
                print(
                    f"  {'':<19}best of {len(s['ceiling_shapes'])} shapes: batch "
                    f"{shape['batch']}, {shape['connections']} connection(s)"
                )
    if "defaults_jobs_per_sec_worked" in s:
        print(
            f"  library defaults:  {s['defaults_jobs_per_sec_worked']:,.0f} jobs/s "
            f"({s['defaults_ratio_of_tuned']:.2f}x of the tuned figure)"
        )
    if "work_cpu_us_per_job" in s:
        print(
            f"  client CPU:        {s['insert_cpu_us_per_job']:,.1f} µs a job inserted, "
            f"{s['work_cpu_us_per_job']:,.1f} µs a job worked"
        )
    if "cpu_us_per_job" in s:
        print(f"  client CPU:        {s['cpu_us_per_job']:,.1f} µs a job inserted and worked")
    if "work_server_cpu_us_per_job" in s:
        print(
            f"  server CPU:        {s['insert_server_cpu_us_per_job']:,.1f} µs a job inserted, "
            f"{s['work_server_cpu_us_per_job']:,.1f} µs a job worked"
        )
    for name, label in (("ceiling", "minimal SQL"), ("river_statements", "River statements")):
        if f"{name}_server_cpu_us_per_job" in s:
            print(
                f"  {label + ' CPU:':<19}{s[f'{name}_cpu_us_per_job']:,.1f} µs client + "
                f"{s[f'{name}_server_cpu_us_per_job']:,.1f} µs server a job"
            )
    if "work_cores_busy" in s:
        print(f"  cores busy:        {s['work_cores_busy']:.2f} (client and server, working)")
    if "peak_rss_mb" in s:
        print(f"  peak RSS:          {s['peak_rss_mb']:,.1f} MB")
    if "latency_ms" in s:
        lat = s["latency_ms"]
        print(f"  insert→start:      p50 {lat['p50']}ms  p95 {lat['p95']}ms  p99 {lat['p99']}ms")
    if "after_commit_latency_ms" in s:
        lat = s["after_commit_latency_ms"]
        print(f"  commit ack→start:  p50 {lat['p50']}ms  p95 {lat['p95']}ms  p99 {lat['p99']}ms")
