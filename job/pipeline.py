"""One run of the order job: recover → read → stage → upsert → marts → write → commit → sweep.

This is the I/O orchestration the Glue entry script calls; every decision about the
data is made in the pure transforms it chains, and every table change goes through the
commit protocol of table_format/commit.py.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import types as T

from contract.orders import FILE_OK
from contract.runs import FileEntry, RunCommit
from job.key_index import RunKeyIndex
from job.options import JobOptions
from job.read import InputFile, failed_file, inspect_input, read_raw_orders, unreadable
from job.report import ReasonCount, RunOutcome, file_entries
from job.tuning import run_settings
from table_format.commit import TableStore, TableWrite, new_commit_id
from table_format.frames import literal_frame
from table_format.layout import PartitionValues, data_dir, partition_dir
from table_format.lease import WriterLease
from table_format.session import applied
from table_format.storage import Storage
from table_format.table_io import read_current, read_files, read_written
from transforms.core import touched_partitions, upsert_orders
from transforms.marts import MARTS
from transforms.rejected import merge_rejected
from transforms.staging import kept_for_run, latest_lines, rejected_rows, stage_orders
from transforms.tables import ORDER_DATE, ORDERS, ORDERS_KEY_INDEX, REJECTED_ORDERS, TABLES, Table

log = logging.getLogger(__name__)

RUN_FILES_SCHEMA = T.StructType([T.StructField("source_file", T.StringType())])


class Run:
    """Holds the session, storage and resolved paths of one run."""

    def __init__(
        self, spark: SparkSession, options: JobOptions, storage: Storage | None = None
    ) -> None:
        self.spark = spark
        self.options = options
        self.storage = storage or Storage(spark, options.target_file_bytes)
        self.output = self.storage.qualify(options.output_path)
        self.roots = {name: f"{self.output}/{name}" for name in TABLES}
        self.roots[REJECTED_ORDERS.name] = self.storage.qualify(options.rejected_path)
        self.store = TableStore(self.storage, self.output)
        self.commit_id = new_commit_id(options.run_id)
        self.lease = WriterLease(
            self.storage,
            self.output,
            self.commit_id,
            options.run_id,
            period=options.lease,
            wait=options.lease_wait,
        )

    def new_files(self, table: Table) -> str:
        """Where this run writes a table's new files (invisible until the commit)."""
        return data_dir(self.roots[table.name], self.commit_id)

    def execute(self) -> RunOutcome:
        # One writer at a time (table_format/lease.py): recovery changes manifests too.
        self.lease.acquire()
        recovered = self.store.recover()
        files = inspect_input(self.storage, self.storage.qualify(self.options.input_path))
        entries, writes = self.load_readable(files)
        started = time.monotonic()
        self.lease.renew()  # the fence: fails if another run took the lease over
        record = self.store.prepare(self.commit_id, self.options.run_id, writes)
        self.store.commit(record)
        log.info("run committed", extra={"commit_id": self.commit_id})
        self.store.apply(record)
        # Its cost per partition is what the bench reports (docs/performance.md).
        commit: RunCommit = {
            "partitions": record.partitions(),
            "seconds": time.monotonic() - started,
        }
        written = record.partitions_written()
        for name, n in written.items():
            log.info("partitions written", extra={"table": name, "partitions": n})
        log.info("commit timed", extra=commit)
        self.sweep()
        self.release()
        return RunOutcome(entries, written, self.commit_id, recovered, commit)

    def sweep(self) -> None:
        """Delete what no reader needs any more; a failure here loses nothing (next run)."""
        try:
            deleted = self.store.sweep(self.roots.values(), self.options.retention, self.commit_id)
        except Exception as err:
            log.warning("sweep failed; the next run retries it", extra={"error": str(err)})
        else:
            log.info("swept", extra={"files_deleted": deleted})

    def release(self) -> None:
        """Give the lease back; if that fails, it expires (the next run waits for that)."""
        try:
            self.lease.release()
        except Exception as err:
            log.warning("lease not released; it expires", extra={"error": str(err)})

    def abandon(self) -> None:
        """After a failure: finish this run's commit if it was recorded, else delete its
        new files (nothing refers to them). Committed data is never touched. Then the
        lease, if this run holds it, is given back."""
        try:
            if self.store.is_committed(self.commit_id):
                self.store.apply(self.store.read_record(self.commit_id))
                return
            self.discard_new_files()
        finally:
            self.release()

    def load_readable(self, files: list[InputFile]) -> tuple[list[FileEntry], list[TableWrite]]:
        """Load the files; a file that fails while Spark reads it (gone since the listing,
        a read error) is rejected as unreadable and the others are loaded again."""
        while True:
            input_bytes = sum(f.size for f in files if f.status == FILE_OK)
            cores = self.spark.sparkContext.defaultParallelism
            try:
                with applied(self.spark, run_settings(input_bytes, cores)):
                    return self.load(files)
            except Exception as err:
                bad = failed_file(files, err)
                if bad is None:
                    raise
                log.warning("file unreadable; loading the others", extra={"path": bad.path})
                files = [unreadable(f, err) if f is bad else f for f in files]
                self.discard_new_files()

    def discard_new_files(self) -> None:
        for root in self.roots.values():
            self.storage.delete(data_dir(root, self.commit_id))

    def load(self, files: list[InputFile]) -> tuple[list[FileEntry], list[TableWrite]]:
        if not any(f.status == FILE_OK for f in files):
            # Nothing to read: no table changes (an empty upload folder costs no Spark job).
            return self.report_files(files, []), []
        staged = (
            read_raw_orders(self.spark, files)
            .transform(
                stage_orders(
                    self.options.run_date, self.options.started_at, self.options.first_order_date
                )
            )
            .transform(kept_for_run)
            .cache()
        )
        try:
            counts: list[ReasonCount] = [
                (row["source_file"], row["reject_reason"], row["count"])
                for row in staged.groupBy("source_file", "reject_reason").count().collect()
            ]
            writes = [
                *self.write_orders_and_marts(staged),
                self.write_rejected(staged, files),
            ]
        finally:
            staged.unpersist()
        return self.report_files(files, counts), writes

    def report_files(self, files: list[InputFile], counts: list[ReasonCount]) -> list[FileEntry]:
        entries = file_entries(files, counts)
        for entry in entries:
            log.info("file result", extra=dict(entry))
        return entries

    def current(self, table: Table, relatives: list[str]) -> DataFrame:
        return read_current(self.spark, self.store, table, self.roots[table.name], relatives)

    def write_orders_and_marts(self, staged: DataFrame) -> list[TableWrite]:
        # Not cached: a filter of the staged cache, already partitioned by the order key.
        incoming = staged.transform(latest_lines)
        index = RunKeyIndex.of(
            self.spark,
            self.store,
            self.storage,
            self.roots[ORDERS_KEY_INDEX.name],
            self.new_files(ORDERS_KEY_INDEX),
            incoming,
        )
        if not index.buckets:
            return []
        # The incoming keys' current entries: few rows, read twice.
        located = index.located(incoming).cache()
        try:
            touched = incoming.transform(touched_partitions, index=located).collect()
            orders = self.write_orders(incoming, [tuple(row) for row in touched])
            index_write = index.write(incoming, located)
        finally:
            located.unpersist()
        dates = sorted({ORDERS.value(v, ORDER_DATE) for v in orders.partitions})
        self.write_marts(orders, dates)
        marts = [TableWrite(m, self.roots[m.name], tuple((d,) for d in dates)) for m, _ in MARTS]
        return [orders, index_write, *marts]

    def write_orders(self, incoming: DataFrame, touched: list[PartitionValues]) -> TableWrite:
        """The touched partitions of orders, rewritten with the incoming lines merged in."""
        current = self.store.current_files(self.roots[ORDERS.name], _relatives(ORDERS, touched))
        stored = _flat(current.values())
        # With no stored rows to merge (a first load, new days) the incoming lines
        # are the result: no merge window, no shuffle (docs/performance.md).
        merged = (
            incoming.transform(upsert_orders, stored=read_files(self.spark, ORDERS, stored))
            if stored
            else incoming.select(*ORDERS.schema.fieldNames())
        )
        self.storage.write_frame(merged, self.new_files(ORDERS), ORDERS.partitions)
        return TableWrite(ORDERS, self.roots[ORDERS.name], tuple(touched))

    def write_marts(self, orders: TableWrite, dates: list[Any]) -> None:
        """Rebuild the marts of every touched date from all of that date's orders: the
        partitions this run rewrote and the date's untouched ones."""
        root = self.roots[ORDERS.name]
        touched = set(orders.relative_paths())
        same_day = [
            path
            for d in dates
            for path in self.store.partitions(root, partition_dir((ORDER_DATE,), (d,)))
        ]
        untouched = [path for path in same_day if path not in touched]
        rewritten = read_written(self.spark, ORDERS, self.new_files(ORDERS))
        # Not cached: each mart reads only its columns of these Parquet files, which costs
        # less than building a cache of every row (docs/performance.md).
        day_orders = rewritten.unionByName(self.current(ORDERS, untouched))
        for mart, build in MARTS:
            self.storage.write_frame(
                day_orders.transform(build), self.new_files(mart), mart.partitions
            )

    def write_rejected(self, staged: DataFrame, files: list[InputFile]) -> TableWrite:
        partition = (self.options.run_date,)
        existing = self.current(REJECTED_ORDERS, _relatives(REJECTED_ORDERS, [partition]))
        run_files = literal_frame(
            self.spark, [(f.path,) for f in files if f.status == FILE_OK], RUN_FILES_SCHEMA
        )
        merged = staged.transform(rejected_rows(self.options.run_date)).transform(
            merge_rejected, existing=existing, run_files=run_files
        )
        self.storage.write_frame(
            merged, self.new_files(REJECTED_ORDERS), REJECTED_ORDERS.partitions
        )
        return TableWrite(REJECTED_ORDERS, self.roots[REJECTED_ORDERS.name], (partition,))


def _flat(groups: Iterable[list[str]]) -> list[str]:
    return [item for group in groups for item in group]


def _relatives(table: Table, values: Sequence[PartitionValues]) -> list[str]:
    return sorted({partition_dir(table.partitions, v) for v in values})
