"""The orders key index as one run uses it: the buckets its incoming keys fall in, those
buckets' current files, which of them are due a compaction, and the run's write to them.
The rules are ``transforms.core``'s; this object owns the reads and the write."""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession

from table_format.commit import TableStore, TableWrite
from table_format.layout import PartitionValues, partition_dir
from table_format.storage import Storage
from table_format.table_io import read_files
from transforms.core import INDEX_COMPACT_FILES, incoming_buckets, key_index_changes, located_keys
from transforms.tables import ORDERS_KEY_INDEX

BUCKET = ORDERS_KEY_INDEX.partitions[0]


@dataclass(frozen=True)
class RunKeyIndex:
    spark: SparkSession
    storage: Storage
    root: str
    new_files: str  # where this run writes the index's new files
    buckets: tuple[PartitionValues, ...]  # the incoming keys' buckets
    files: dict[str, list[str]]  # each of those buckets' current files, by partition path

    @classmethod
    def of(
        cls,
        spark: SparkSession,
        store: TableStore,
        storage: Storage,
        root: str,
        new_files: str,
        incoming: DataFrame,
    ) -> RunKeyIndex:
        """Read each bucket of the incoming keys' manifest once."""
        rows = incoming.transform(incoming_buckets).collect()
        buckets = tuple(sorted({(row[BUCKET],) for row in rows}))
        paths = sorted(partition_dir(ORDERS_KEY_INDEX.partitions, v) for v in buckets)
        return cls(spark, storage, root, new_files, buckets, store.current_files(root, paths))

    def _files_of(self, buckets: tuple[PartitionValues, ...]) -> list[str]:
        paths = (partition_dir(ORDERS_KEY_INDEX.partitions, v) for v in buckets)
        return [file for path in paths for file in self.files[path]]

    @property
    def due_compaction(self) -> tuple[PartitionValues, ...]:
        """Buckets with INDEX_COMPACT_FILES files or more: this run rewrites them whole."""
        return tuple(v for v in self.buckets if len(self._files_of((v,))) >= INDEX_COMPACT_FILES)

    def located(self, incoming: DataFrame) -> DataFrame:
        """The incoming keys' current entries: where their stored versions live."""
        entries = read_files(self.spark, ORDERS_KEY_INDEX, self._files_of(self.buckets))
        return entries.transform(located_keys, incoming=incoming)

    def write(self, incoming: DataFrame, located: DataFrame) -> TableWrite:
        """Append the incoming keys' changed entries; rewrite the buckets due a compaction."""
        compact = self.due_compaction
        compacted = read_files(self.spark, ORDERS_KEY_INDEX, self._files_of(compact))
        changes = compacted.transform(
            key_index_changes,
            incoming=incoming,
            located=located,
            compact=[ORDERS_KEY_INDEX.value(v, BUCKET) for v in compact],
        )
        self.storage.write_frame(changes, self.new_files, ORDERS_KEY_INDEX.partitions)
        appended = tuple(v for v in self.buckets if v not in compact)
        return TableWrite(ORDERS_KEY_INDEX, self.root, self.buckets, appended=appended)
