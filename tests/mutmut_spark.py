"""``make mutate`` only: one JVM per mutmut run, a SparkSession of its own per mutant, and
each mutant's tests widened to whole test files of its module.

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
  SparkContext under a sibling run;
- its Spark jobs run in a job group named after its pid, and it first cancels the groups of
  earlier runs that are gone: mutmut kills a run past its timeout, and the jobs it left in
  the shared JVM would otherwise go on taking the cores from the runs after it (each then
  timing out in turn).

mutmut runs a mutant against the tests that reached the mutated function in its statistics
run. A module-scoped fixture (the staged rule cases of ``tests/test_staging_rules.py``, the
marts of ``tests/test_marts.py``) runs the function once, in its first test's setup, so only
that first test would be run, and the other tests' assertions on the fixture never. So in a
mutant's run the selected test ids are widened to their whole files, kept to the files
``[tool.mutmut] tests_by_module`` lists for the mutant's module (in that order: the first
file is the one most likely to fail first) when it lists the module.

Any other pytest run (``make test``; mutmut's statistics, clean and forced-fail runs) is
left alone: the ``spark`` fixture starts its JVM as usual. The transforms under test do not
use Python UDFs, so no Python worker process runs a function whose mutant switch (an
environment variable read at call time) it would not see.
"""

from __future__ import annotations

import collections
import os
import re
import tempfile
import threading
import tomllib
from pathlib import Path
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
    _cancel_orphaned_jobs(own)


def _cancel_orphaned_jobs(own: SparkSession) -> None:
    """Cancel the jobs of earlier forked runs that are gone, then tag this run's jobs."""
    registry = Path(tempfile.gettempdir()) / f"duffbeer-mutmut-{os.getppid()}"
    registry.mkdir(exist_ok=True)
    context = own.sparkContext
    for entry in registry.iterdir():
        if not _alive(int(entry.name)):
            context.cancelJobGroup(f"mutant-{entry.name}")
            entry.unlink(missing_ok=True)
    (registry / str(os.getpid())).touch()
    context.setJobGroup(f"mutant-{os.getpid()}", "mutmut run", interruptOnCancel=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _module_of(mutant: str) -> str:
    """``transforms.rules.x_parse_quantity__mutmut_3`` -> ``transforms.rules`` (methods are
    ``module.xǁClassǁmethod__mutmut_N``)."""
    found = re.match(r"^(.+?)\.x(?:_|ǁ)", mutant)
    return found.group(1) if found else mutant


def whole_files(args: list[str], mutant: str, tests_by_module: dict[str, list[str]]) -> list[str]:
    """The test files of the selected test ids, kept to the module's files when it has some."""
    files = list(dict.fromkeys(arg.split("::")[0] for arg in args))
    listed = tests_by_module.get(_module_of(mutant))
    if listed is None:
        return files
    kept = [f for f in listed if f in files]
    return kept or args


def _tests_by_module(root: Path) -> dict[str, list[str]]:
    with (root / "pyproject.toml").open("rb") as f:
        table: dict[str, list[str]] = tomllib.load(f)["tool"]["mutmut"].get("tests_by_module", {})
    return table


def pytest_configure(config: pytest.Config) -> None:
    global _shared
    if _shared is not None:
        _own_session(_shared)
        mutant = os.environ.get("MUTANT_UNDER_TEST", "")
        config.args[:] = whole_files(config.args, mutant, _tests_by_module(config.rootpath))
    elif config.option.collectonly and os.environ.get("MUTANT_UNDER_TEST") == "":
        _shared = _start_shared_session()
