"""The two supported AWS Glue runtimes (docs/glue_runtimes.md): 5.1 (Spark 3.5.6, Python
3.11, in `.venv`) and 6.0 (Spark 4.1.1, Python 3.13, in `.venv-glue6.0`).

- the runtime table of deploy/config.py, the Makefile, the constraints files and
  pyproject.toml name the same versions;
- `make setup` says which Python is missing and how to get it;
- the same sample run under both runtimes writes identical tables, and a runtime carries
  on tables the other one wrote. The other runtime's job runs in its own virtualenv (a
  subprocess, as spark-submit runs it); where that virtualenv is missing the test skips,
  and under CI (``CI`` set; .ci/run builds both) it fails instead.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pyspark
import pytest
from pyspark.sql import SparkSession

from contract.runs import RUNS_DIR
from contract.runtimes import (
    DEFAULT_GLUE_VERSION,
    GLUE_RUNTIMES,
    running_glue_version,
    runtime_suffix,
)
from glue_jobs.process_orders import SESSION_SETTINGS, main
from tests.conftest import REPO, SAMPLE_DIR, SHORT_LIVED_SPARK_ENV
from tests.output import table_rows
from transforms.tables import TABLES

THIS = running_glue_version()
OTHER = next(v for v in GLUE_RUNTIMES if v != THIS)
FIRST_RUN = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)
SECOND_RUN = FIRST_RUN + dt.timedelta(hours=1)
# What a run report says about the data (not its clock, output folder or commit id).
REPORT_KEYS = ("status", "error", "totals", "rejected_by_reason", "partitions_written", "files")
NO_PYTHON = "PYTHON=/nonexistent/python"
RUN_JOB = (
    "import datetime as dt, sys; from glue_jobs.process_orders import main; "
    "main(sys.argv[2:], now=dt.datetime.fromisoformat(sys.argv[1]))"
)


def venv_of(version: str) -> Path:
    """The Makefile's VENV: `.venv` for the default 5.1, `.venv-glue<version>` otherwise."""
    return REPO / f".venv{runtime_suffix(version)}"


def test_this_interpreter_is_a_supported_runtime() -> None:
    assert pyspark.__version__ == GLUE_RUNTIMES[THIS].spark


def test_makefile_constraints_and_pyproject_follow_the_runtime_table() -> None:
    makefile = (REPO / "Makefile").read_text()
    made = dict(re.findall(r"^GLUE_PYTHON_([0-9.]+) := ([0-9.]+)$", makefile, re.M))
    assert made == {v: r.python for v, r in GLUE_RUNTIMES.items()}
    assert f"GLUE_VERSION ?= {DEFAULT_GLUE_VERSION}\n" in makefile
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    deps = pyproject["project"]["dependencies"]
    runtimes = sorted(p.name for p in (REPO / "constraints").glob("glue*.txt"))
    assert runtimes == sorted(f"glue{v}.txt" for v in GLUE_RUNTIMES)
    for version, runtime in GLUE_RUNTIMES.items():
        pins = (REPO / "constraints" / f"glue{version}.txt").read_text().splitlines()
        assert f"pyspark=={runtime.spark}" in pins
        assert f"AWSGlueDataplanePython=={version}.0" in pins
        marker = "<" if runtime.python == "3.11" else ">="
        assert f"pyspark=={runtime.spark}; python_version {marker} '3.13'" in deps


@pytest.mark.parametrize("version", list(GLUE_RUNTIMES))
def test_setup_names_the_missing_python_and_how_to_get_it(version: str) -> None:
    python = GLUE_RUNTIMES[version].python
    result = subprocess.run(
        ["make", "--no-print-directory", "check-python", f"GLUE_VERSION={version}", NO_PYTHON],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert f"error: Python {python} not found at /nonexistent/python" in result.stderr
    assert f"AWS Glue {version} runs Python {python}" in result.stderr
    assert f"pyenv install {python}" in result.stderr
    assert f"make setup GLUE_VERSION={version} PYTHON=/path/to/python{python}" in result.stderr


def test_unsupported_glue_version_is_refused() -> None:
    result = subprocess.run(
        ["make", "--no-print-directory", "help", "GLUE_VERSION=4.0"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0 and "use 5.1 (the default) or 6.0" in result.stderr


def test_the_job_keeps_the_runtimes_ansi_default(spark: SparkSession) -> None:
    """Glue 6.0 runs with Spark 4's ANSI mode on: the job must not switch it off."""
    assert not any("ansi" in key for key in SESSION_SETTINGS)
    default = spark.conf.get("spark.sql.ansi.enabled")
    assert default == ("true" if int(pyspark.__version__.split(".")[0]) >= 4 else "false")


def sample_argv(output: Path, run_id: str) -> list[str]:
    input_args = ["--input_path", str(SAMPLE_DIR), "--output_path", str(output)]
    return ["process_orders.py", *input_args, "--run_id", run_id]


def run_under_other_runtime(output: Path, run_id: str, now: dt.datetime) -> None:
    """The job in the other runtime's virtualenv, started the way `make job` starts it."""
    python = venv_of(OTHER) / "bin" / "python"
    if not python.is_file():
        text = f"{python} not found: comparing with Glue {OTHER} needs "
        text += f"`make setup GLUE_VERSION={OTHER}`"
        if os.environ.get("CI"):
            pytest.fail(text + "; .ci/run builds both runtimes")
        pytest.skip(text)
    log4j = REPO / "conf" / "log4j2.properties"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYSPARK", "SPARK_HOME", "VIRTUAL"))
    }
    env |= {
        "PYTHONPATH": str(REPO),
        "PYSPARK_PYTHON": str(python),
        "PYSPARK_DRIVER_PYTHON": str(python),
        "SPARK_LOCAL_IP": "127.0.0.1",
        **SHORT_LIVED_SPARK_ENV,
        "PYSPARK_SUBMIT_ARGS": "--master local[2] --conf spark.ui.enabled=false "
        f"--driver-java-options -Dlog4j2.configurationFile=file:{log4j} pyspark-shell",
    }
    command = [str(python), "-c", RUN_JOB, now.isoformat(), *sample_argv(output, run_id)]
    result = subprocess.run(
        command,
        cwd=output.parent,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def report(output: Path, run_id: str) -> dict[str, Any]:
    text = (output / RUNS_DIR / f"{run_id}.json").read_text(encoding="utf-8")
    return {k: v for k, v in json.loads(text).items() if k in REPORT_KEYS}


def tables(spark: SparkSession, output: Path) -> dict[str, list[tuple]]:
    return {name: table_rows(spark, output, name) for name in TABLES}


@pytest.fixture(scope="module")
def first_runs(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """data/sample as run 1 at the same clock: (written by the other runtime, by this one)."""
    other = tmp_path_factory.mktemp(f"glue{OTHER}")
    run_under_other_runtime(other, "compare-1", FIRST_RUN)
    this = tmp_path_factory.mktemp(f"glue{THIS}")
    assert main(sample_argv(this, "compare-1"), now=FIRST_RUN)["status"] == "succeeded"
    return other, this


@pytest.mark.heavy
def test_same_sample_run_writes_identical_tables_on_both_runtimes(
    spark: SparkSession, first_runs: tuple[Path, Path]
) -> None:
    other, this = first_runs
    assert report(other, "compare-1") == report(this, "compare-1")
    other_tables, this_tables = tables(spark, other), tables(spark, this)
    assert all(this_tables[name] for name in ("orders", "rejected_orders", "sales_by_client"))
    for name in TABLES:
        assert other_tables[name] == this_tables[name], name


def test_a_runtime_carries_on_tables_the_other_one_wrote(
    spark: SparkSession, first_runs: tuple[Path, Path]
) -> None:
    """Run 2 on top of the other runtime's run 1 gives what run 2 on this runtime's own
    run 1 gives: the move from 5.1 to 6.0 (or back) needs no rewrite of the tables."""
    other, this = first_runs
    for output in (other, this):
        outcome = main(sample_argv(output, "compare-2"), now=SECOND_RUN)
        assert outcome["status"] == "succeeded"
    assert report(other, "compare-2") == report(this, "compare-2")
    assert tables(spark, other) == tables(spark, this)
