"""The Athena DDL and named queries in Spark SQL: the Hive-metastore twin of the catalog.

Spark cannot project partitions, so the Athena DDL is translated with sqlglot
(athena -> spark) after dropping the ``projection.*`` table properties (documented in
docs/athena.md), and partitions are discovered with ``MSCK REPAIR TABLE`` instead.
Spark's Hive reader does not follow symlink manifests to Parquet files (Athena and Trino
do), so queries read temporary views of the same manifests: one branch per partition, so
a date filter prunes partitions as Athena's projection does.
Queries bind their values as Spark named parameters (``:p1…``), never as SQL text.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import reduce
from pathlib import Path

import sqlglot
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from sqlglot import exp

from athena.catalog import NamedQuery, ParamValue, load_query, named_values, to_named
from athena.ddl import DATABASE, VIEWS, render_ddl
from athena.local import QueryResult, current_partitions
from table_format.frames import empty_frame
from table_format.layout import local_path, partition_of
from table_format.storage import spark_paths
from transforms.tables import PUBLIC_TABLES as TABLES
from transforms.tables import Table

# Athena-only table properties: meaningless to the Hive metastore, so left out.
ATHENA_ONLY_PROPERTIES = ("projection.", "storage.location.template")


def to_spark_ddl(athena_statement: str) -> str:
    """One Athena DDL statement as Spark SQL, without the Athena-only table properties."""
    tree = sqlglot.parse_one(athena_statement, read="athena")
    properties = tree.find(exp.Properties)
    if properties is not None:
        kept = [
            prop
            for prop in properties.expressions
            if not (type(prop) is exp.Property and prop.name.startswith(ATHENA_ONLY_PROPERTIES))
        ]
        properties.set("expressions", kept)
    return tree.sql(dialect="spark")


def to_spark(athena_sql: str) -> str:
    """A named Athena query as Spark SQL with ``:p1…:pN`` parameter markers."""
    return sqlglot.transpile(to_named(athena_sql), read="athena", write="spark")[0]


def create_tables(spark: SparkSession, processed_location: str) -> list[str]:
    """Run the rendered Athena DDL in Spark (Hive support needed), then discover partitions.

    Returns the Spark statements executed, for logs and test messages.
    """
    executed = []
    for statement in render_ddl(processed_location):
        translated = to_spark_ddl(statement)
        spark.sql(translated)
        executed.append(translated)
    for name in TABLES:
        repair = f"MSCK REPAIR TABLE {DATABASE}.{name}"
        spark.sql(repair)
        executed.append(repair)
    register_current_views(spark, processed_location)
    return executed


def current_frame(spark: SparkSession, root: Path, table: Table) -> DataFrame:
    """The table's current rows: a union of one scan per partition, its values as literals."""
    branches = []
    for relative, files in current_partitions(root, table.name):
        values = partition_of(relative, table.partitions)
        scan = spark.read.schema(table.data_schema).parquet(*spark_paths(files))
        branches.append(
            scan.select(
                *table.data_columns,
                *[
                    F.lit(values[c]).cast(table.partition_type(c)).alias(c)
                    for c in table.partitions
                ],
            )
        )
    if not branches:
        return empty_frame(spark, table.schema)
    return reduce(DataFrame.unionByName, branches)


def register_current_views(spark: SparkSession, processed_location: str) -> None:
    """Temporary views (they shadow the catalog tables in unqualified names) of the current
    version of every table and view."""
    root = Path(local_path(processed_location))
    for name, table in TABLES.items():
        current_frame(spark, root, table).createOrReplaceTempView(name)
    for view, (table_name, _why) in VIEWS.items():
        spark.table(table_name).createOrReplaceTempView(view)


@contextmanager
def in_database(spark: SparkSession) -> Iterator[None]:
    """Resolve unqualified table names in ``duffbeer``, as Athena's query context does."""
    previous = spark.catalog.currentDatabase()
    spark.catalog.setCurrentDatabase(DATABASE)
    try:
        yield
    finally:
        spark.catalog.setCurrentDatabase(previous)


def query_frame(spark: SparkSession, query: NamedQuery, values: dict[str, ParamValue]) -> DataFrame:
    """The query as a DataFrame (plan not yet run); call inside :func:`in_database`."""
    return spark.sql(to_spark(query.sql), args=named_values(query.bind(values)))


def run(
    spark: SparkSession, query: NamedQuery | str, values: dict[str, ParamValue] | None = None
) -> QueryResult:
    """Run a named query against the tables :func:`create_tables` made."""
    named = load_query(query) if isinstance(query, str) else query
    with in_database(spark):
        frame = query_frame(spark, named, values or {})
        rows = frame.collect()
    return QueryResult(frame.columns, [tuple(row) for row in rows])
