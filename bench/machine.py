"""What machine a benchmark ran on, for the results file (Linux /proc; stdlib only)."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def cpu_model(cpuinfo: str) -> str:
    for line in cpuinfo.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def memory_gib(meminfo: str) -> float:
    for line in meminfo.splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024**2
    return 0.0


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def java_version() -> str:
    try:
        done = subprocess.run(
            ["java", "-version"],  # noqa: S607 - the java on PATH is what spark-submit uses
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return "java not found"
    return (done.stderr.splitlines() or ["?"])[0]


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_description() -> str:
    return (
        f"{os.cpu_count()} x {cpu_model(_read('/proc/cpuinfo'))}, "
        f"{memory_gib(_read('/proc/meminfo')):.0f} GiB RAM, {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}, {java_version()}, "
        f"pyspark {_version('pyspark')}, duckdb {_version('duckdb')}"
    )
