"""Small DataFrames from values the driver holds, built from literals inside the JVM.

``spark.createDataFrame(list)`` goes through a Python RDD: each stage that reads it
starts PySpark's Python worker, seconds of wall time for a handful of rows (found in the
2M-row event log: ~4.5 s per such stage). These frames need no Python worker.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T


def empty_frame(spark: SparkSession, schema: T.StructType) -> DataFrame:
    """No rows, the given column names and types."""
    return spark.range(0).select(*[F.lit(None).cast(f.dataType).alias(f.name) for f in schema])


def literal_frame(
    spark: SparkSession, rows: Sequence[Sequence[object]], schema: T.StructType
) -> DataFrame:
    """``rows`` (values in ``schema`` order) as a DataFrame of ``schema``'s names and types."""
    if not rows:
        return empty_frame(spark, schema)
    structs = [
        F.struct(
            *[F.lit(v).cast(f.dataType).alias(f.name) for v, f in zip(row, schema, strict=True)]
        )
        for row in rows
    ]
    return spark.range(1).select(F.inline(F.array(*structs)))
