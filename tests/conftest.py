"""The one SparkSession of the test run, and shared job-output fixtures.

Hive support is on (with a Derby metastore and warehouse in a temp dir) so the Athena
DDL can be executed for real; the metastore only starts when a test touches it.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto.s3.models import FakeBucket
from moto.server import ThreadedMotoServer
from pyspark.sql import SparkSession

from scripts.local_moto import permission_over_tls
from tests.servers import free_port

REPO = Path(__file__).resolve().parent.parent
SAMPLE_DIR = REPO / "data" / "sample"
REGION = "eu-west-1"


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
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={hive_dir}")
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

    Shared by the job, Athena and API tests: read it, never write to it (copy it first).
    """
    from glue_jobs.process_orders import main

    output = tmp_path_factory.mktemp("sample_out")
    argv = ["process_orders.py", "--input_path", str(SAMPLE_DIR), "--output_path", str(output)]
    report: dict[str, Any] = main([*argv, "--run_id", "sample-1"])
    assert report["status"] == "succeeded"
    return output


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
    mp.setattr(FakeBucket, "get_permission", permission_over_tls)  # moto gap, see there
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    mp.setenv("AWS_ENDPOINT_URL", endpoint)  # belt and braces: boto3 honours it too
    yield endpoint
    server.stop()
    mp.undo()
