"""Nothing is lost at any instant: a failure at every storage call of a run, then a
recovery run, leaves exactly what a clean run leaves (docs/tables.md, "The guarantee").

A two-batch history: batch 1 is loaded cleanly; batch 2 (status updates, a line moving
to another day and channel, new lines, a reject) is run with its N-th storage call
failing, for every N, both as an exception and as a crash; then batch 2 is run again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from pyspark.sql import SparkSession

from glue_jobs.process_orders import main
from tests.faults import FaultyStorage, SimulatedCrash
from tests.output import copy_output, partition_files, referenced_parquet, stored_parquet
from transforms.layout import partition_of
from transforms.tables import TABLES

HEADER = "order_id,client_id,product_id,channel,quantity,unit_price,status,order_date\n"
BATCH_1 = [
    "O1,C1,P1,online,1,2.00,pending,2026-11-20",
    "O1,C1,P2,online,2,3.00,pending,2026-11-20",
    "O2,C2,P1,store,1,2.00,confirmed,2026-11-20",
    "O3,C1,P1,phone,4,1.50,shipped,2026-11-21",
    "O4,C3,P3,online,1,9.99,delivered,2026-11-21",
    "O5,C3,P1,fax,1,1.00,pending,2026-11-21",
]
BATCH_2 = [
    "O1,C1,P1,online,1,2.00,shipped,2026-11-20",
    "O2,C2,P1,phone,1,2.00,confirmed,2026-11-21",
    "O6,C4,P2,store,3,4.00,pending,2026-11-22",
    "O7,C4,P2,store,0,4.00,pending,2026-11-22",
]
T1 = dt.datetime(2026, 11, 20, 8, 0).timestamp()
T2 = dt.datetime(2026, 11, 21, 8, 0).timestamp()


def write_batch(folder: Path, name: str, lines: list[str], uploaded: float) -> Path:
    folder.mkdir(parents=True)
    path = folder / name
    path.write_text(HEADER + "".join(f"{line}\n" for line in lines))
    os.utime(path, (uploaded, uploaded))
    return folder


def run(
    input_path: Path, output: Path, run_id: str, storage: Any = None, *extra: str
) -> dict[str, Any]:
    argv = ["process_orders.py", "--input_path", str(input_path), "--output_path", str(output)]
    return main([*argv, "--run_id", run_id, *extra], storage=storage)


def snapshot(output: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's current rows, read with pyarrow from the files the manifests name;
    ``ingested_at`` left out (it is the time of the run that wrote a row)."""
    tables = {}
    for name, table in TABLES.items():
        rows = []
        for relative, files in partition_files(output / name).items():
            values = partition_of(relative, table.partitions)
            for file in files:
                for row in pq.read_table(file).to_pylist():
                    row.pop("ingested_at", None)
                    rows.append(tuple(sorted({**row, **values}.items(), key=lambda kv: kv[0])))
        tables[name] = sorted(rows, key=repr)
    return tables


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory, spark: SparkSession) -> Iterator[dict]:
    base = tmp_path_factory.mktemp("faults")
    batch_1 = write_batch(base / "in1", "2026-11-20.csv", BATCH_1, T1)
    batch_2 = write_batch(base / "in2", "2026-11-21.csv", BATCH_2, T2)
    after_1 = base / "after_1"
    run(batch_1, after_1, "batch-1")
    clean = base / "clean"
    copy_output(after_1, clean)
    counting = FaultyStorage(spark)
    run(batch_2, clean, "batch-2", counting)
    yield {
        "batch_2": batch_2,
        "after_1": after_1,
        "expected": snapshot(clean),
        "calls": list(counting.calls),
    }


def test_the_clean_two_batch_run_is_the_expected_history(history: dict) -> None:
    """The reference itself is right: updates applied, the move done, the rejects kept."""
    orders = {(r["order_id"], r["product_id"]): r for r in map(dict, history["expected"]["orders"])}
    assert sorted(orders) == [
        ("O1", "P1"),
        ("O1", "P2"),
        ("O2", "P1"),
        ("O3", "P1"),
        ("O4", "P3"),
        ("O6", "P2"),
    ]
    assert orders[("O1", "P1")]["status"] == "shipped"
    assert (orders[("O2", "P1")]["order_date"], orders[("O2", "P1")]["channel"]) == (
        "2026-11-21",
        "phone",
    )
    rejected = sorted(dict(r)["order_id"] for r in history["expected"]["rejected_orders"])
    assert rejected == ["O5", "O7"]
    assert len(history["calls"]) > 20


@pytest.mark.parametrize("mode", ["raise", "crash"])
def test_a_failure_at_every_storage_call_then_a_rerun_loses_nothing(
    spark: SparkSession, tmp_path: Path, history: dict, mode: str
) -> None:
    total = len(history["calls"])
    for n in range(1, total + 1):
        output = tmp_path / f"{mode}-{n}"
        copy_output(history["after_1"], output)
        faulty = FaultyStorage(spark, fail_at=n, mode=mode)
        with contextlib.suppress(SystemExit, SimulatedCrash):  # the failure under test
            run(history["batch_2"], output, f"fail-{n}", faulty)
        run(history["batch_2"], output, f"recover-{n}", None, "--retention_hours", "0")
        where = f"{mode} at call {n}/{total} ({history['calls'][n - 1]})"
        assert snapshot(output) == history["expected"], where
        assert stored_parquet(output) == referenced_parquet(output), f"leftovers after {where}"
        shutil.rmtree(output)
