"""A real `spark-submit` of the job, killed with SIGKILL, then the next run: nothing lost
(docs/tables.md, "The guarantee"). The per-call fault test (test_commit_faults.py) covers
every step; this one proves the same with a real process and a real kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyspark
import pytest
from pyspark.sql import SparkSession

from glue_jobs.process_orders import main
from tests.conftest import SHORT_LIVED_SPARK_ENV
from tests.output import copy_output, referenced_parquet, stored_parquet
from tests.test_commit_faults import BATCH_1, BATCH_2, T1, T2, snapshot, write_batch

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def spark_submit(
    input_path: Path, output: Path, run_id: str, *extra: str
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SPARK_HOME": str(Path(pyspark.__file__).parent),
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
        "SPARK_LOCAL_IP": "127.0.0.1",
        **SHORT_LIVED_SPARK_ENV,
    }
    command = [
        str(Path(pyspark.__file__).parent / "bin" / "spark-submit"),
        "--master",
        "local[1]",
        "--conf",
        "spark.ui.enabled=false",
        str(REPO / "glue_jobs" / "process_orders.py"),
        "--input_path",
        str(input_path),
        "--output_path",
        str(output),
        "--run_id",
        run_id,
        *extra,
    ]
    return subprocess.Popen(
        command,
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def kill_when(
    process: subprocess.Popen[bytes], ready: Callable[[], bool], timeout: float = 600
) -> bool:
    """SIGKILL the job's whole process group as soon as ``ready()``; False if it ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if ready():
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return True
        time.sleep(0.005)
    return False


@pytest.fixture(scope="module")
def two_batches(tmp_path_factory: pytest.TempPathFactory, spark: SparkSession) -> dict[str, Path]:
    """Batch 1 loaded (the killed run's starting point), and batch 2 loaded cleanly on it:
    the runs in process, in the test session (``spark``)."""
    base = tmp_path_factory.mktemp("kill")
    batch_1 = write_batch(base / "in1", "2026-11-20.csv", BATCH_1, T1)
    batch_2 = write_batch(base / "in2", "2026-11-21.csv", BATCH_2, T2)
    after_1, clean = base / "after_1", base / "clean"
    main(["job", "--input_path", str(batch_1), "--output_path", str(after_1)])
    copy_output(after_1, clean)
    main(["job", "--input_path", str(batch_2), "--output_path", str(clean)])
    return {"batch_2": batch_2, "after_1": after_1, "clean": clean}


@pytest.mark.parametrize("moment", ["writing new files", "committed"])
def test_a_killed_spark_submit_run_is_completed_or_undone_by_the_next_run(
    tmp_path: Path, two_batches: dict[str, Path], moment: str
) -> None:
    batch_2 = two_batches["batch_2"]
    output = copy_output(two_batches["after_1"], tmp_path / "out")

    def ready() -> bool:
        if moment == "committed":
            return any((output / "_commits").glob("killed-1.*.json"))
        return any((output / "orders" / "_data").glob("killed-1.*/order_date=*"))

    # Killed, it holds the writer lease until it expires: the next run waits that long.
    process = spark_submit(batch_2, output, "killed-1", "--lease_seconds", "5")
    assert kill_when(process, ready), f"the job ended before it was {moment}"
    argv = ["job", "--input_path", str(batch_2), "--output_path", str(output)]
    main([*argv, "--retention_hours", "0"])
    assert snapshot(output) == snapshot(two_batches["clean"])
    assert stored_parquet(output) == referenced_parquet(output)
