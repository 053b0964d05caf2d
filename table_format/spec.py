"""What the table format knows of a table: its name, its schema and its partition columns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pyspark.sql import types as T


@dataclass(frozen=True)
class TableSpec:
    name: str  # folder name below the processed root, and the Athena table name
    schema: T.StructType  # data columns, then the partition columns
    partitions: tuple[str, ...]

    @property
    def data_columns(self) -> tuple[str, ...]:
        """The columns stored in the Parquet files (partition values live in the path)."""
        return tuple(f.name for f in self.schema.fields if f.name not in self.partitions)

    @property
    def data_schema(self) -> T.StructType:
        return T.StructType([f for f in self.schema.fields if f.name not in self.partitions])

    def partition_type(self, column: str) -> T.DataType:
        return self.schema[column].dataType

    def value(self, values: Sequence[Any], column: str) -> Any:
        """One partition column's value, by name, of a partition's ``values``."""
        return values[self.partitions.index(column)]
