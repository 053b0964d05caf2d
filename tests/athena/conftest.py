"""Athena tests share one job run on data/sample and one set of Hive tables over it.

The job runs once per test session (the expensive part); every test here reads that
output: DuckDB through LocalAthena, Spark through the Hive metastore of the shared
``spark`` fixture (tests/conftest.py builds it with Hive support).
"""

from __future__ import annotations

from functools import reduce
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from athena.ddl import DATABASE
from athena.local import LocalAthena
from table_format.layout import partition_of
from tests.oracle import sample_orders
from tests.output import partition_files
from tests.spark_hive import create_tables
from transforms.tables import PUBLIC_TABLES as TABLES


@pytest.fixture(scope="session")
def job_frames(spark: SparkSession, sample_output: Path) -> dict[str, DataFrame]:
    """Each table as Spark reads the files its manifests list: data column types inferred from
    the Parquet files, partition values (typed as declared) from each partition's path."""
    frames = {}
    for name, table in TABLES.items():
        parts = [
            spark.read.parquet(*files).select(
                "*",
                *[
                    F.lit(values[c]).cast(table.partition_type(c)).alias(c)
                    for c in table.partitions
                    for values in [partition_of(path, table.partitions)]
                ],
            )
            for path, files in partition_files(sample_output / name).items()
        ]
        frames[name] = reduce(DataFrame.unionByName, parts)
    return frames


@pytest.fixture(scope="session")
def hive_tables(spark: SparkSession, sample_output: Path) -> list[str]:
    """The Athena DDL executed in Spark's Hive metastore over the sample output."""
    spark.sql(f"DROP DATABASE IF EXISTS {DATABASE} CASCADE")  # external tables: data stays
    return create_tables(spark, str(sample_output))


@pytest.fixture(scope="session")
def local_athena(sample_output: Path) -> LocalAthena:
    return LocalAthena(sample_output)


@pytest.fixture(scope="session")
def order_lines() -> list[dict[str, Any]]:
    """The sample's order lines, written by hand (tests/oracle.py), not read from the job."""
    return sample_orders()
