"""Measure one command as a whole process: wall time and peak memory of its process tree.

Memory: every ``poll`` seconds the ``VmRSS`` of every process in the command's process
group (the command is started as a new session, so spark-submit's launcher shell, its
JVM, the Python driver and the PySpark workers all belong to it) is read from
``/proc/<pid>/status`` and summed; the peak of that sum is reported, together with the
peak of the largest single process (for spark-submit, the driver JVM). RSS counts shared
pages once per process, so the tree figure is an upper bound. Linux only; stdlib only.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from athena.local import manifest_partitions
from table_format.layout import MANIFEST_DIR

PROC = Path("/proc")


@dataclass(frozen=True)
class Measurement:
    seconds: float
    peak_tree_bytes: int  # max over samples of the summed RSS of the process group
    peak_process_bytes: int  # max RSS of any single process of the group
    peak_process_name: str
    returncode: int


def parse_status(text: str) -> tuple[str, int, int]:
    """(name, ppid, rss bytes) from a ``/proc/<pid>/status`` text; rss 0 for kernel threads."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    rss_kb = int(fields.get("VmRSS", "0 kB").split()[0])
    return fields.get("Name", "?"), int(fields.get("PPid", "0")), rss_kb * 1024


def group_rss(pgid: int) -> list[tuple[str, int]]:
    """(name, rss bytes) of every live process whose process group is ``pgid``."""
    found = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != pgid:
                continue
            name, _, rss = parse_status((entry / "status").read_text())
        except (ProcessLookupError, FileNotFoundError, PermissionError):
            continue  # exited between listing and reading
        found.append((name, rss))
    return found


def run_measured(
    command: Sequence[str],
    *,
    log_path: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    poll: float = 0.05,
) -> Measurement:
    """Run ``command`` to completion (stdout+stderr to ``log_path``), sampling its memory."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    peak_tree, peak_proc, peak_name = 0, 0, ""
    with log_path.open("wb") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(  # noqa: S603 - fixed argv built by the benchmark
            list(command),
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
        )
        while proc.poll() is None:
            sample = group_rss(proc.pid)
            peak_tree = max(peak_tree, sum(rss for _, rss in sample))
            for name, rss in sample:
                if rss > peak_proc:
                    peak_proc, peak_name = rss, name
            time.sleep(poll)
        seconds = time.perf_counter() - started
    return Measurement(seconds, peak_tree, peak_proc, peak_name, proc.returncode)


@dataclass(frozen=True)
class OutputStats:
    parquet_files: int
    parquet_bytes: int
    partitions: int  # leaf folders holding at least one Parquet file
    max_files_per_partition: int


def visible_parquet(root: Path) -> dict[str, list[Path]]:
    """Partition path -> its Parquet files. A job table: what its manifests list (superseded
    and uncommitted files are not part of the table); a plain folder (the naive script, the
    DuckDB floor): every file outside hidden ``_``/``.`` folders."""
    if (root / MANIFEST_DIR).is_dir():
        return {rel: [Path(f) for f in files] for rel, files in manifest_partitions(root)}
    found: dict[str, list[Path]] = {}
    for path in sorted(root.rglob("*.parquet")):
        relative = path.relative_to(root)
        if any(part.startswith(("_", ".")) for part in relative.parts):
            continue
        found.setdefault(relative.parent.as_posix(), []).append(path)
    return found


def output_stats(root: Path) -> OutputStats:
    per_partition = visible_parquet(root)
    return OutputStats(
        parquet_files=sum(len(files) for files in per_partition.values()),
        parquet_bytes=sum(f.stat().st_size for files in per_partition.values() for f in files),
        partitions=len(per_partition),
        max_files_per_partition=max((len(f) for f in per_partition.values()), default=0),
    )


def file_signatures(root: Path) -> dict[str, tuple[int, int]]:
    """``partition/file`` -> (size, mtime ns) of every current Parquet file: shows what a run
    rewrote."""
    signatures = {}
    for partition, files in visible_parquet(root).items():
        for path in files:
            stat = path.stat()
            signatures[f"{partition}/{path.name}"] = (stat.st_size, stat.st_mtime_ns)
    return signatures


def csv_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.iterdir() if p.suffix.lower() == ".csv")
