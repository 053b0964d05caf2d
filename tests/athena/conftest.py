"""Athena tests share one job run on data/sample and one set of Hive tables over it.

The job runs once per test session (the expensive part); every test here reads that
output: DuckDB through LocalAthena, Spark through the Hive metastore of the shared
``spark`` fixture (tests/conftest.py builds it with Hive support).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import DataFrame, SparkSession

from athena.ddl import DATABASE
from athena.local import LocalAthena
from athena.spark import create_tables
from tests.oracle import sample_orders
from transforms.schemas import TABLES


@pytest.fixture(scope="session")
def job_frames(spark: SparkSession, sample_output: Path) -> dict[str, DataFrame]:
    """Each table as Spark reads the job's Parquet (types inferred from the files)."""
    return {name: spark.read.parquet(str(sample_output / name)) for name in TABLES}


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
