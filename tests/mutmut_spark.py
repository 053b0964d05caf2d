"""``make mutate`` only: one JVM per mutmut run, a SparkSession of its own per mutant.

mutmut (``process_isolation = "forkserver"``) runs each mutant's tests in a process forked
from one fork server, which first runs ``pytest --collect-only`` to import the tests
(``forkserver_warmup = "collect"``). Left alone, every forked run would start a JVM for the
``spark`` fixture: tens of seconds on the shared machine, more than a mutant's tests take.

This pytest plugin, loaded by every pytest run mutmut starts (``pytest_add_cli_args`` in
``[tool.mutmut]``), starts the JVM and its SparkContext once, in the fork server's
collection run (recognised as the collection mutmut runs with ``MUTANT_UNDER_TEST`` set to
the empty string; its other runs name a mutant or a phase). In each run forked from there:

- the Py4J connection inherited from the fork server (a socket shared with the server and
  the sibling runs) is dropped, so this process opens its own; the old objects are kept
  alive so no finalizer closes the shared socket;
- ``SparkSession.newSession()`` of the shared session becomes the session the ``spark``
  fixture's ``getOrCreate()`` returns: its own SQL settings (the fixture applies its own),
  temporary views and functions, over the shared SparkContext;
- ``SparkSession.stop`` is a no-op, so the fixture's teardown does not stop the shared
  SparkContext under a sibling run.

Any other pytest run (``make test``; mutmut's statistics, clean and forced-fail runs) is
left alone: the ``spark`` fixture starts its JVM as usual. The transforms under test do not
use Python UDFs, so no Python worker process runs a function whose mutant switch (an
environment variable read at call time) it would not see.
"""

from __future__ import annotations

import collections
import os
import tempfile
import threading
from typing import Any

import pytest
from pyspark.sql import SparkSession

_shared: SparkSession | None = None
_inherited: list[Any] = []


def _start_shared_session() -> SparkSession:
    """The JVM-wide settings of the ``spark`` fixture; its session settings come per run."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    hive_dir = tempfile.mkdtemp(prefix="mutmut-hive-")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("duffbeer-mutmut")
        .config("spark.ui.enabled", "false")
        .config("spark.default.parallelism", "2")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.warehouse.dir", os.path.join(hive_dir, "warehouse"))
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={os.path.join(hive_dir, 'metastore_db')};create=true",
        )
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={hive_dir}")
        .enableHiveSupport()
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def _own_session(shared: SparkSession) -> None:
    client = shared.sparkContext._gateway._gateway_client  # type: ignore[union-attr]
    _inherited.append((client.thread_connection, client.deque))
    client.thread_connection = threading.local()
    client.deque = collections.deque()
    own = shared.newSession()
    SparkSession._instantiatedSession = own
    SparkSession._activeSession = own
    own._jvm.SparkSession.setActiveSession(own._jsparkSession)  # type: ignore[union-attr]
    SparkSession.stop = lambda self: None  # type: ignore[method-assign]


def pytest_configure(config: pytest.Config) -> None:
    global _shared
    if _shared is not None:
        _own_session(_shared)
    elif config.option.collectonly and os.environ.get("MUTANT_UNDER_TEST") == "":
        _shared = _start_shared_session()
