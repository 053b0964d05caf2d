"""Driver-side frames built from literals: same rows and types as createDataFrame."""

from __future__ import annotations

import datetime as dt

from pyspark.sql import SparkSession
from pyspark.sql import types as T

from table_format.frames import empty_frame, literal_frame
from transforms.tables import REJECTED_ORDERS

SCHEMA = T.StructType(
    [T.StructField("order_date", T.DateType()), T.StructField("channel", T.StringType())]
)


def test_literal_frame_holds_the_rows_with_the_schema_types(spark: SparkSession) -> None:
    rows = [(dt.date(2026, 3, 2), "online"), (dt.date(2026, 3, 3), "store")]
    frame = literal_frame(spark, rows, SCHEMA)
    assert [(f.name, f.dataType) for f in frame.schema] == [
        ("order_date", T.DateType()),
        ("channel", T.StringType()),
    ]
    assert sorted(tuple(r) for r in frame.collect()) == rows


def test_empty_frame_has_every_column_and_type_and_no_rows(spark: SparkSession) -> None:
    frame = empty_frame(spark, REJECTED_ORDERS.schema)
    assert [(f.name, f.dataType) for f in frame.schema] == [
        (f.name, f.dataType) for f in REJECTED_ORDERS.schema
    ]
    assert frame.count() == 0
    assert literal_frame(spark, [], SCHEMA).count() == 0
