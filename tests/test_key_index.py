"""The key index grows by appends and is compacted (docs/tables.md, "Finding moved lines"):
a run appends its keys' entries to their buckets, so its write is as big as its input; a
bucket holding ``INDEX_COMPACT_FILES`` files is rewritten with one entry per key. Either
way every later run still finds where each line lives, so ``orders`` stays exact."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from pyspark.sql import SparkSession

import job.key_index
from glue_jobs.process_orders import main
from tests.output import partition_files, table_rows

HEADER = "order_id,client_id,product_id,channel,quantity,unit_price,status,order_date\n"
START = dt.datetime(2026, 11, 21, 8, 0)
# One line moving day and channel at every run, and one that stays put.
RUNS = [
    ["O1,C1,P1,online,1,2.00,pending,2026-11-20", "O2,C2,P1,store,1,2.00,pending,2026-11-20"],
    ["O1,C1,P1,phone,1,2.00,confirmed,2026-11-21"],
    ["O1,C1,P1,store,1,2.00,shipped,2026-11-22"],
    ["O1,C1,P1,online,1,2.00,delivered,2026-11-20"],
]


def run_batches(tmp_path: Path, count: int) -> Path:
    output = tmp_path / "out"
    for n, lines in enumerate(RUNS[:count]):
        folder = tmp_path / f"in{n}"
        folder.mkdir()
        path = folder / f"batch{n}.csv"
        path.write_text(HEADER + "".join(f"{line}\n" for line in lines))
        at = (START + dt.timedelta(hours=n)).timestamp()
        os.utime(path, (at, at))
        argv = ["process_orders.py", "--input_path", str(folder), "--output_path", str(output)]
        main([*argv, "--run_id", f"r{n}"])
    return output


def o1_bucket(output: Path) -> str:
    """The index bucket holding O1/P1 (the one every run touches)."""
    buckets = {
        partition
        for partition, files in partition_files(output / "orders_key_index").items()
        if ("O1", "P1") in index_keys(files)
    }
    assert len(buckets) == 1
    return buckets.pop()


def index_keys(files: list[str]) -> list[tuple[str, str]]:
    """(order_id, product_id) of every entry in the given index files."""
    return [(r["order_id"], r["product_id"]) for f in files for r in pq.read_table(f).to_pylist()]


def orders(spark: SparkSession, output: Path) -> list[tuple[str, str, str, str]]:
    """(order_id, status, order_date, channel) of every stored line."""
    return sorted((r[0], r[6], str(r[10]), r[11]) for r in table_rows(spark, output, "orders"))


def test_runs_append_to_the_index_and_replace_nothing(spark: SparkSession, tmp_path: Path) -> None:
    output = run_batches(tmp_path, 3)
    bucket = o1_bucket(output)
    assert len(partition_files(output / "orders_key_index")[bucket]) == 3
    record = json.loads(next((output / "_commits").glob("r2.*.json")).read_text())
    index_partitions = record["tables"]["orders_key_index"]["partitions"]
    assert index_partitions[bucket]["replaced"] == []
    assert len(index_partitions[bucket]["files"]) == 3
    assert orders(spark, output) == [
        ("O1", "shipped", "2026-11-22", "store"),
        ("O2", "pending", "2026-11-20", "store"),
    ]


def test_a_full_bucket_is_compacted_to_one_entry_per_key(
    spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(job.key_index, "INDEX_COMPACT_FILES", 3)
    output = run_batches(tmp_path, 4)
    bucket = o1_bucket(output)
    files = partition_files(output / "orders_key_index")[bucket]
    assert len(files) == 1
    assert index_keys(files).count(("O1", "P1")) == 1
    record = json.loads(next((output / "_commits").glob("r3.*.json")).read_text())
    assert len(record["tables"]["orders_key_index"]["partitions"][bucket]["replaced"]) == 3
    assert orders(spark, output) == [
        ("O1", "delivered", "2026-11-20", "online"),
        ("O2", "pending", "2026-11-20", "store"),
    ]


def test_the_run_report_times_the_commit_of_every_partition_its_record_names(
    tmp_path: Path,
) -> None:
    """The bench's commit cost per partition is report["commit"]: seconds over partitions."""
    output = run_batches(tmp_path, 2)
    record = json.loads(next((output / "_commits").glob("r1.*.json")).read_text())
    report = json.loads((output / "_runs" / "r1.json").read_text())
    named = sum(len(table["partitions"]) for table in record["tables"].values())
    assert report["commit"]["partitions"] == named > len(record["tables"])
    assert 0 < report["commit"]["seconds"] < 60
