"""One run of the order job: read → stage → upsert → marts → write, then commit.

This is the I/O orchestration the Glue entry script calls; every decision about the
data is made in the pure transforms it chains.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from transforms.contract import FILE_OK, ORDER_KEY
from transforms.core import latest_line_per_key, touched_partitions, upsert_orders
from transforms.frames import literal_frame
from transforms.marts import MARTS
from transforms.quarantine import merge_rejected
from transforms.read import InputFile, inspect_input, read_raw_orders
from transforms.report import ReasonCount, file_entries
from transforms.schemas import (
    ORDERS_PARTITIONS,
    ORDERS_SCHEMA,
    REJECTED_ORDERS_PARTITIONS,
    REJECTED_ORDERS_SCHEMA,
    TABLES,
)
from transforms.staging import kept_for_run, rejected_rows, stage_orders, valid_lines
from transforms.storage import Storage
from transforms.tuning import applied, run_settings
from transforms.write import StagedTable, commit, read_table, write_staging

log = logging.getLogger(__name__)

TOUCHED_SCHEMA = T.StructType(
    [T.StructField("order_date", T.DateType()), T.StructField("channel", T.StringType())]
)
RUN_FILES_SCHEMA = T.StructType([T.StructField("source_file", T.StringType())])


@dataclass(frozen=True)
class RunSettings:
    run_id: str
    input_path: str
    output_path: str
    rejected_path: str
    started_at: dt.datetime  # UTC; its date is the run date for date checks and ingest_date


@dataclass(frozen=True)
class RunOutcome:
    entries: list[dict[str, Any]]
    partitions_written: dict[str, int]


class Run:
    """Holds the session, storage and resolved paths of one run."""

    def __init__(self, spark: SparkSession, settings: RunSettings) -> None:
        self.spark = spark
        self.settings = settings
        self.storage = Storage(spark)
        self.output = self.storage.qualify(settings.output_path)
        self.roots = {name: f"{self.output}/{name}" for name in TABLES}
        self.roots["rejected_orders"] = self.storage.qualify(settings.rejected_path)
        self.run_date = settings.started_at.date()

    def staging(self, table: str) -> str:
        return f"{self.roots[table]}/_staging/{self.settings.run_id}"

    def discard_staging(self) -> None:
        """Remove what a failed run staged; the visible tables were never touched."""
        for table in self.roots:
            self.storage.delete(self.staging(table))
            self.storage.delete_if_empty(f"{self.roots[table]}/_staging")

    def execute(self) -> RunOutcome:
        files = inspect_input(self.storage, self.storage.qualify(self.settings.input_path))
        input_bytes = sum(f.size for f in files if f.status == FILE_OK)
        cores = self.spark.sparkContext.defaultParallelism
        with applied(self.spark, run_settings(input_bytes, cores)):
            return self.load(files)

    def load(self, files: list[InputFile]) -> RunOutcome:
        staged = (
            read_raw_orders(self.spark, files)
            .transform(stage_orders(self.run_date, self.settings.started_at))
            .transform(kept_for_run)
            .cache()
        )
        try:
            counts: list[ReasonCount] = [
                (row["source_file"], row["reject_reason"], row["count"])
                for row in staged.groupBy("source_file", "reject_reason").count().collect()
            ]
            tables = [*self.stage_orders_and_marts(staged), self.stage_rejected(staged, files)]
        finally:
            staged.unpersist()
        entries = file_entries(files, counts)
        for entry in entries:
            log.info("file result", extra=dict(entry))
        written = {table.name: commit(self.storage, table) for table in tables}
        for name, n in written.items():
            log.info("partitions written", extra={"table": name, "partitions": n})
        return RunOutcome(entries, written)

    def stage_orders_and_marts(self, staged: DataFrame) -> list[StagedTable]:
        existing = read_table(self.spark, self.storage, self.roots["orders"], ORDERS_SCHEMA)
        incoming = staged.transform(valid_lines).transform(latest_line_per_key)
        key_columns = existing.select(*ORDER_KEY, *ORDERS_PARTITIONS)
        touched = [tuple(r) for r in incoming.transform(touched_partitions(key_columns)).collect()]
        if not touched:
            return []
        touched_frame = literal_frame(self.spark, touched, TOUCHED_SCHEMA)
        dates = sorted({values[0] for values in touched})
        same_days = existing.where(F.col("order_date").isin(dates))
        in_touched = same_days.join(
            F.broadcast(touched_frame), list(ORDERS_PARTITIONS), "left_semi"
        )
        write_staging(
            incoming.transform(upsert_orders(in_touched)), self.staging("orders"), ORDERS_PARTITIONS
        )
        rewritten = read_table(self.spark, self.storage, self.staging("orders"), ORDERS_SCHEMA)
        untouched = same_days.join(F.broadcast(touched_frame), list(ORDERS_PARTITIONS), "left_anti")
        day_orders = rewritten.unionByName(untouched).cache()
        try:
            for name, mart in MARTS.items():
                write_staging(day_orders.transform(mart), self.staging(name), TABLES[name][1])
        finally:
            day_orders.unpersist()
        orders = StagedTable(
            "orders",
            self.roots["orders"],
            self.staging("orders"),
            ORDERS_PARTITIONS,
            tuple(touched),
        )
        marts = [
            StagedTable(
                name,
                self.roots[name],
                self.staging(name),
                TABLES[name][1],
                tuple((d,) for d in dates),
            )
            for name in MARTS
        ]
        return [orders, *marts]

    def stage_rejected(self, staged: DataFrame, files: list[InputFile]) -> StagedTable:
        root = self.roots["rejected_orders"]
        existing = read_table(self.spark, self.storage, root, REJECTED_ORDERS_SCHEMA).where(
            F.col("ingest_date") == F.lit(self.run_date)
        )
        run_files = literal_frame(
            self.spark, [(f.path,) for f in files if f.status == FILE_OK], RUN_FILES_SCHEMA
        )
        merged = staged.transform(rejected_rows(self.run_date)).transform(
            merge_rejected(existing, run_files)
        )
        write_staging(merged, self.staging("rejected_orders"), REJECTED_ORDERS_PARTITIONS)
        return StagedTable(
            "rejected_orders",
            root,
            self.staging("rejected_orders"),
            REJECTED_ORDERS_PARTITIONS,
            ((self.run_date,),),
        )
