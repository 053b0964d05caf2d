"""A write aims at Parquet files of about ``Storage.file_bytes`` (table_format/storage.py): a
partition with more rows than that becomes several files, written in parallel, and every
reader, the commit and the upsert take a partition's files whatever their number
(docs/tables.md, "Files per partition")."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from chispa import assert_df_equality
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from glue_jobs.process_orders import main
from synthetic.generate import UPDATE_FILE
from synthetic.generate import main as generate
from table_format.session import applied
from table_format.storage import Storage
from tests.output import key_problems, partition_files, table_frame
from transforms.tables import ORDERS, TABLES

KB = 1024
# Small enough that a few thousand generated lines split; --target_file_mb takes MiB.
SMALL_TARGET_MB = "0.02"
# The job's staged rows of a tiny input fit one task, which no write can split (a piece is
# at least one task's rows of the stage before the write); with coalescing off they keep
# the run's planned 8 tasks, as a big input's rows do.
AS_A_BIG_INPUT = {"spark.sql.adaptive.coalescePartitions.enabled": "false"}
# Both outputs get the same runs at the same clock (ingested_at, the rejects' ingest date).
LOAD_AT = dt.datetime(2026, 3, 6, 6, 0, tzinfo=dt.UTC)


def uri(path: Path) -> str:
    return path.resolve().as_uri()


def files_per_partition(folder: Path) -> Counter[str]:
    return Counter(p.parent.name for p in folder.rglob("*.parquet"))


def padded_rows(spark: SparkSession) -> DataFrame:
    """40,000 rows over 2 partitions, in 4 tasks that each hold rows of both."""
    return spark.range(0, 40_000, numPartitions=4).select(
        (F.col("id") % 2).alias("part"),
        F.col("id"),
        F.sha2(F.col("id").cast("string"), 256).alias("pad"),
    )


def test_a_partition_bigger_than_the_target_is_written_as_several_files(
    spark: SparkSession, tmp_path: Path
) -> None:
    rows = padded_rows(spark)
    Storage(spark, file_bytes=64 * KB).write_frame(rows, uri(tmp_path / "split"), ["part"])
    files = files_per_partition(tmp_path / "split")
    # ~1.6 MB of each partition's rows in 4 tasks: split, at most one piece per task.
    assert set(files) == {"part=0", "part=1"}
    assert all(2 <= n <= 4 for n in files.values()), files
    back = spark.read.parquet(uri(tmp_path / "split"))  # ``part`` from the paths: an int
    back = back.select(F.col("part").cast("long"), "id", "pad")
    assert_df_equality(back, rows, ignore_row_order=True, ignore_nullable=True)


def test_a_partition_smaller_than_the_target_is_one_file(
    spark: SparkSession, tmp_path: Path
) -> None:
    Storage(spark).write_frame(padded_rows(spark), uri(tmp_path / "whole"), ["part"])
    assert files_per_partition(tmp_path / "whole") == {"part=0": 1, "part=1": 1}


def test_partition_columns_must_be_plain_identifiers(spark: SparkSession, tmp_path: Path) -> None:
    frame = padded_rows(spark).withColumnRenamed("part", "a b")
    with pytest.raises(ValueError, match="plain identifiers"):
        Storage(spark).write_frame(frame, uri(tmp_path / "bad"), ["a b"])


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A full set of 8,000 generated lines in one file, and an update of it."""
    root = tmp_path_factory.mktemp("generated")
    full, update = root / "full", root / "update"
    generate(["--out", str(full), "--rows", "8000", "--files", "1", "--days", "3"])
    generate(["--out", str(update), "--update-of", str(full)])
    assert (update / UPDATE_FILE).exists()
    return full, update


def two_runs(spark: SparkSession, generated: tuple[Path, Path], output: Path, *extra: str) -> None:
    full, update = generated
    for hours, (run_id, folder) in enumerate((("load", full), ("update", update))):
        argv = ["x", "--input_path", str(folder), "--output_path", str(output), *extra]
        report = main([*argv, "--run_id", run_id], now=LOAD_AT + dt.timedelta(hours=hours))
        assert report["status"] == "succeeded"


def test_split_partitions_hold_the_same_tables_after_a_load_and_an_update(
    spark: SparkSession, generated: tuple[Path, Path], tmp_path: Path
) -> None:
    """The same two runs with the default file size and with a small one: the same rows in
    every table, and orders partitions of several files, which the update's upsert read."""
    whole, split = tmp_path / "whole", tmp_path / "split"
    with applied(spark, AS_A_BIG_INPUT):
        two_runs(spark, generated, whole)
        two_runs(spark, generated, split, "--target_file_mb", SMALL_TARGET_MB)
    counts = [len(files) for files in partition_files(split / ORDERS.name).values()]
    assert max(counts) > 1, counts
    assert max(len(f) for f in partition_files(whole / ORDERS.name).values()) == 1
    for name in TABLES:
        assert_df_equality(
            table_frame(spark, split, name),
            table_frame(spark, whole, name),
            ignore_row_order=True,
        )
    assert key_problems(spark, split) == {}


@pytest.mark.parametrize("value", ["0", "-1", "lots", "5000"])
def test_a_target_file_size_outside_its_range_fails_with_clear_reason(value: str) -> None:
    argv = ["process_orders.py", "--input_path", "x", "--output_path", "y"]
    with pytest.raises(SystemExit, match=r"--target_file_mb must be a number from 0\.01 to 4096"):
        main([*argv, "--target_file_mb", value])
