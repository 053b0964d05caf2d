"""The one SparkSession of the test run, shared job-output fixtures, and how the suite is
split over processes.

``make test`` runs pytest-xdist workers (``-n 2 --dist loadfile``): each worker is a test
session of its own, with its own SparkSession, and takes whole test files, so a file's
module fixtures are built once. Two rules here keep the workers busy to the end: the files
of the tests marked ``heavy``, ``slow`` or ``docs`` are collected first, and a test
parametrized into sweep parts (``part-K-of-N``) is a unit of its own, so the parts of one
sweep run side by side (a part sets up its file's module fixtures again: the sweeps' load
their reference runs from ``built_once``).

Hive support is on (with a Derby metastore and warehouse in a temp dir) so the Athena
DDL can be executed for real; the metastore only starts when a test touches it.
"""

from __future__ import annotations

import fcntl
import logging
import os
import pickle
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from moto.s3.models import FakeBucket
from moto.s3.responses import S3Response
from moto.server import ThreadedMotoServer
from pyspark.sql import SparkSession

from scripts.local_moto import atomic_conditional_put, permission_over_tls
from tests.servers import free_port

REPO = Path(__file__).resolve().parent.parent
SWEEP_PART = re.compile(r"\[(?:.*-)?(part-\d+-of-\d+)")


def sweep_parts(count: int) -> pytest.MarkDecorator:
    """Parametrize a sweep test into ``count`` parts: its argument ``part`` is the slice of
    every ``count``-th point from the K-th, so the parts together take every point once.
    Under ``make test`` each part is scheduled on its own (see the module docstring)."""
    return pytest.mark.parametrize(
        "part",
        [slice(k, None, count) for k in range(count)],
        ids=[f"part-{k + 1}-of-{count}" for k in range(count)],
    )


# The marks of tests that take minutes: in-process sweeps, and spark-submit or make processes.
LONG_RUNNING = ("heavy", "slow", "docs")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files holding long-running tests first, so that no worker starts a long sweep
    while the other is about to run out of work. Among them, every file's tests that are not
    sweep parts come first, then the parts, first parts first: the two workers then start on
    different files, each building its own file's reference runs, rather than one waiting
    for the other to build the runs both need (``built_once``). A stable sort: tests keep
    their order within a file."""
    long_files = {
        item.path for item in items if any(item.get_closest_marker(m) for m in LONG_RUNNING)
    }

    def order(item: pytest.Item) -> tuple[bool, int]:
        if item.path not in long_files:
            return True, 0
        part = SWEEP_PART.search(item.nodeid)
        return False, int(part.group(1).split("-")[1]) if part else 0

    items.sort(key=order)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadfile``, except that each sweep part is a unit of its own."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class FilesAndSweepParts(LoadFileScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            part = SWEEP_PART.search(nodeid)
            scope: str = super()._split_scope(nodeid)
            return f"{scope}::{part.group(1)}" if part else scope

    return FilesAndSweepParts(config, log)


T = TypeVar("T")


def built_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], T]
) -> T:
    """Fixture data built once for the whole test run, by whichever worker process asks
    first, in a folder of the run's shared temp dir; the others wait for it and load it
    (pytest-xdist's recipe for data shared by workers, with ``fcntl.flock`` for the lock).
    ``build(folder)`` must return picklable data, and its files are only ever read after."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by every worker of this run
    done = root / f"{name}.pickle"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done.exists():
            loaded: T = pickle.loads(done.read_bytes())
            return loaded
        folder = root / name
        folder.mkdir()
        value = build(folder)
        done.write_bytes(pickle.dumps(value))
        return value


SAMPLE_DIR = REPO / "data" / "sample"
REGION = "eu-west-1"

# The environment of every Spark process a test starts (spark-submit, make run, a run under
# the other runtime): such a JVM lives for one run of a few lines, and Java's optimizing JIT
# compiler (C2) costs more CPU than it saves there. The quick compiler only: about half the
# CPU of a sample run (docs/testing.md). The test session's own JVM, which lives for the whole
# test run, keeps both compilers.
SHORT_LIVED_SPARK_ENV = {"SPARK_SUBMIT_OPTS": "-XX:TieredStopAtLevel=1"}
# The test session's JVM runs the job hundreds of times on a few lines, where much of its
# CPU went to the optimizing compiler (about 40% mid-run, by jstat). A method is compiled
# with it only after three times Java 17's default number of calls and loops: about a
# quarter less JVM CPU in the fault sweeps (docs/testing.md).
SESSION_JIT_OPTIONS = (
    "-XX:Tier4InvocationThreshold=15000",
    "-XX:Tier4CompileThreshold=45000",
    "-XX:Tier4BackEdgeThreshold=120000",
)


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkSession]:
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # Spark's Python workers must be this interpreter (`python3` may be another version).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    hive_dir = tmp_path_factory.mktemp("hive")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("duffbeer-tests")
        .config("spark.ui.enabled", "false")
        # One JVM serves every in-process run of the session (hundreds in the fault sweeps):
        # a heap of 2 GiB, and the status store keeps only the last few jobs and queries
        # (its defaults keep 1,000 of each, which filled Spark 4's 1 GiB default heap).
        .config("spark.driver.memory", "2g")
        .config("spark.sql.ui.retainedExecutions", "20")
        .config("spark.ui.retainedJobs", "50")
        .config("spark.ui.retainedStages", "50")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", str(hive_dir / "warehouse"))
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={hive_dir / 'metastore_db'};create=true",
        )
        .config(
            "spark.driver.extraJavaOptions",
            f"-Dderby.system.home={hive_dir} {' '.join(SESSION_JIT_OPTIONS)}",
        )
        .enableHiveSupport()
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module", params=[True, False], ids=["ansi_on", "ansi_off"])
def ansi_mode(spark: SparkSession, request: pytest.FixtureRequest) -> Iterator[bool]:
    """Spark SQL's ANSI mode on (Spark 4's default, so Glue 6.0's), then off (Spark 3.5's,
    so Glue 5.1's), whichever runtime runs the tests; the session's setting comes back after.
    Rule tables that collect their rows under it give the same outcome in both modes or fail.
    """
    key = "spark.sql.ansi.enabled"
    before = spark.conf.get(key)
    spark.conf.set(key, str(request.param).lower())
    yield request.param
    if before is None:
        spark.conf.unset(key)
    else:
        spark.conf.set(key, before)


@pytest.fixture(scope="session")
def sample_output(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The job's output for data/sample (run id ``sample-1``), written once per test session.

    Shared by the job, Athena and API tests, and by the worker processes (``built_once``):
    read it, never write to it (copy it first).
    """
    from glue_jobs.process_orders import main

    def build(output: Path) -> Path:
        argv = ["process_orders.py", "--input_path", str(SAMPLE_DIR), "--output_path", str(output)]
        report: dict[str, Any] = main([*argv, "--run_id", "sample-1"])
        assert report["status"] == "succeeded"
        return output

    return built_once(tmp_path_factory, "sample_out", build)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    mp = pytest.MonkeyPatch()
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        mp.setenv(name, value)
    mp.delenv("AWS_PROFILE", raising=False)
    mp.setattr(FakeBucket, "get_permission", permission_over_tls)  # moto gaps, see there
    mp.setattr(S3Response, "put_object", atomic_conditional_put)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    mp.setenv("AWS_ENDPOINT_URL", endpoint)  # belt and braces: boto3 honours it too
    yield endpoint
    server.stop()
    mp.undo()
