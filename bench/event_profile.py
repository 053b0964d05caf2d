"""Summarise a Spark event log: where a run's wall time goes, job by job and stage by stage.

    .venv/bin/python -m bench.event_profile bench/events/full-0/<app-id>

Prints the application's wall time, the time before the first job (JVM + session start,
file inspection), and for every job its wall time, call site, and stages with their task
count, wall time and summed task run time; then the idle time between jobs (driver work:
planning, Python, the commit's renames).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Stage:
    stage_id: int
    name: str = ""
    tasks: int = 0
    submitted: int = 0
    completed: int = 0
    task_run_ms: int = 0
    task_cpu_ms: int = 0  # on a loaded machine run time includes waiting for a core
    shuffle_write_bytes: int = 0
    input_bytes: int = 0


@dataclass
class Job:
    job_id: int
    started: int
    ended: int = 0
    call_site: str = ""
    stage_ids: list[int] = field(default_factory=list)


@dataclass
class Profile:
    app_start: int = 0
    app_end: int = 0
    jobs: dict[int, Job] = field(default_factory=dict)
    stages: dict[int, Stage] = field(default_factory=dict)


def events(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Listener events; the cut-off last line of an ``.inprogress`` log is skipped."""
    for line in lines:
        try:
            yield json.loads(line)
        except json.JSONDecodeError:
            continue


def parse(lines: Iterable[str]) -> Profile:
    """Fold the listener events of one application into jobs and stages."""
    p = Profile()
    skipped: dict[int, int] = defaultdict(int)
    for e in events(lines):
        kind = e["Event"]
        if kind == "SparkListenerApplicationStart":
            p.app_start = e["Timestamp"]
        elif kind == "SparkListenerApplicationEnd":
            p.app_end = e["Timestamp"]
        elif kind == "SparkListenerJobStart":
            props = e.get("Properties") or {}
            site = props.get("callSite.short") or props.get("spark.job.description") or ""
            p.jobs[e["Job ID"]] = Job(e["Job ID"], e["Submission Time"], call_site=site)
            p.jobs[e["Job ID"]].stage_ids = list(e["Stage IDs"])
        elif kind == "SparkListenerJobEnd":
            p.jobs[e["Job ID"]].ended = e["Completion Time"]
        elif kind == "SparkListenerStageCompleted":
            info = e["Stage Info"]
            stage = p.stages.setdefault(info["Stage ID"], Stage(info["Stage ID"]))
            stage.name, stage.tasks = info["Stage Name"], info["Number of Tasks"]
            stage.submitted = info.get("Submission Time", 0)
            stage.completed = info.get("Completion Time", 0)
        elif kind == "SparkListenerTaskEnd":
            metrics = e.get("Task Metrics") or {}
            stage = p.stages.setdefault(e["Stage ID"], Stage(e["Stage ID"]))
            stage.task_run_ms += metrics.get("Executor Run Time", 0)
            stage.task_cpu_ms += metrics.get("Executor CPU Time", 0) // 1_000_000
            stage.shuffle_write_bytes += (metrics.get("Shuffle Write Metrics") or {}).get(
                "Shuffle Bytes Written", 0
            )
            stage.input_bytes += (metrics.get("Input Metrics") or {}).get("Bytes Read", 0)
    for job in p.jobs.values():
        job.stage_ids = [s for s in job.stage_ids if s in p.stages]
        skipped[job.job_id] = 0
    return p


def render(p: Profile) -> str:
    jobs = sorted(p.jobs.values(), key=lambda j: j.started)
    lines = [f"application wall: {(p.app_end - p.app_start) / 1000:.1f} s"]
    if jobs:
        lines.append(f"before first job: {(jobs[0].started - p.app_start) / 1000:.1f} s")
    busy = 0
    previous_end = jobs[0].started if jobs else 0
    for job in jobs:
        job.ended = job.ended or job.started  # still running in an .inprogress log
        busy += job.ended - job.started
        gap = max(0, job.started - previous_end)
        previous_end = max(previous_end, job.ended)
        lines.append(
            f"job {job.job_id:3d} {(job.ended - job.started) / 1000:6.1f} s "
            f"(gap before {gap / 1000:4.1f} s) {job.call_site}"
        )
        for sid in job.stage_ids:
            s = p.stages[sid]
            lines.append(
                f"    stage {sid:3d} {(s.completed - s.submitted) / 1000:6.1f} s "
                f"tasks {s.tasks:4d} run {s.task_run_ms / 1000:6.1f} s "
                f"cpu {s.task_cpu_ms / 1000:6.1f} s "
                f"in {s.input_bytes / 2**20:6.1f} MB "
                f"shuffle-w {s.shuffle_write_bytes / 2**20:6.1f} MB "
                f"{s.name[:60]}"
            )
    if jobs:
        tail = p.app_end - previous_end
        lines.append(f"jobs busy: {busy / 1000:.1f} s; after last job: {tail / 1000:.1f} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    paths = [Path(a) for a in (argv if argv is not None else sys.argv[1:])]
    for path in paths:
        files = sorted(path.iterdir()) if path.is_dir() else [path]
        for file in files:
            print(f"== {file}")
            with file.open() as handle:
                print(render(parse(handle)))


if __name__ == "__main__":
    main()
