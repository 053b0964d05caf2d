"""The Athena DDL executed for real in Spark SQL with a Hive metastore (Derby in a temp dir),
locations pointing at a job run's output, partitions discovered with MSCK REPAIR."""

from __future__ import annotations

import re
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession

from athena.catalog import load_query
from athena.ddl import DATABASE
from tests import spark_hive as athena_spark
from tests.output import partition_files
from transforms.tables import PUBLIC_TABLES as TABLES


def types(frame: DataFrame) -> list[tuple[str, str]]:
    return [(f.name, f.dataType.simpleString()) for f in frame.schema.fields]


def test_ddl_creates_every_table_with_the_jobs_columns_and_types(
    spark: SparkSession, hive_tables: list[str], job_frames: dict[str, DataFrame]
) -> None:
    for name, declared in TABLES.items():
        table = spark.table(f"{DATABASE}.{name}")
        assert types(table) == types(job_frames[name]), name
        assert types(table) == [(f.name, f.dataType.simpleString()) for f in declared.schema.fields]
        storage = {
            row["col_name"]: row["data_type"]
            for row in spark.sql(f"DESCRIBE FORMATTED {DATABASE}.{name}").collect()
        }
        assert storage["InputFormat"] == "org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat"
        assert storage["Serde Library"].endswith("ParquetHiveSerDe")


def test_partition_discovery_finds_every_row_the_job_wrote(
    spark: SparkSession, hive_tables: list[str], job_frames: dict[str, DataFrame]
) -> None:
    counts = {
        row["name"]: row["n"]
        for row in spark.sql(
            " UNION ALL ".join(
                f"SELECT '{name}' AS name, COUNT(*) AS n FROM {name}" for name in TABLES
            )
        ).collect()
    }
    expected = {name: frame.count() for name, frame in job_frames.items()}
    assert counts == expected
    assert all(n > 0 for n in expected.values()), "the sample should fill every table"


def test_partitions_match_the_folders_the_job_wrote(
    spark: SparkSession, hive_tables: list[str], sample_output: Path
) -> None:
    listed = {row[0] for row in spark.sql(f"SHOW PARTITIONS {DATABASE}.orders").collect()}
    assert listed == set(partition_files(sample_output / "orders"))


def test_athena_only_properties_are_dropped_for_spark(hive_tables: list[str]) -> None:
    creates = [s for s in hive_tables if s.startswith("CREATE EXTERNAL TABLE")]
    assert len(creates) == len(TABLES)
    assert not any("projection." in s for s in hive_tables)


def test_seed_example_runs_unchanged_on_the_processed_orders_view(
    spark: SparkSession, hive_tables: list[str], order_lines: list[dict]
) -> None:
    seed = "SELECT client_id, COUNT(*) AS total_orders FROM processed_orders GROUP BY client_id;"
    with athena_spark.in_database(spark):
        rows = {tuple(r) for r in spark.sql(seed.rstrip(";")).collect()}
    expected: dict[str, int] = {}
    for line in order_lines:
        expected[line["client_id"]] = expected.get(line["client_id"], 0) + 1
    assert rows == set(expected.items())


def test_date_range_filter_prunes_partitions_in_the_spark_plan(
    spark: SparkSession, hive_tables: list[str], sample_output: Path
) -> None:
    query = load_query("orders_by_client")
    values = {
        "client_id": "C00103",
        "date_from": "2026-11-21",
        "date_to": "2026-11-21",
        "page_offset": 0,
        "page_limit": 10,
    }
    with athena_spark.in_database(spark):
        plan = athena_spark.query_frame(spark, query, values)._jdf.queryExecution()
        physical = plan.executedPlan().toString()
    scans = re.findall(r"FileScan parquet", physical)
    partitions = partition_files(sample_output / "orders")
    that_day = sum(1 for path in partitions if path.startswith("order_date=2026-11-21/"))
    assert len(scans) == that_day < len(partitions), physical
