"""The ``rejected_orders`` partition of one ingest date, merged with a run's rejects.

Re-ingesting a file replaces that file's earlier rejects of the same ingest date (its
rows were evaluated again), keeping the first ``ingested_at`` so re-runs are no-ops.
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from transforms.tables import REJECTED_ORDERS

REJECTED_COLUMNS = tuple(REJECTED_ORDERS.schema.fieldNames())


def merge_rejected(
    new_rejects: DataFrame, *, existing: DataFrame, run_files: DataFrame
) -> DataFrame:
    """``existing``: the partition's current rows; ``run_files``: one ``source_file`` column."""
    kept = existing.join(run_files, on="source_file", how="left_anti")
    first_seen = (
        existing.join(run_files, on="source_file", how="left_semi")
        .groupBy("source_file")
        .agg(F.min("ingested_at").alias("_first_seen"))
    )
    resolved = new_rejects.join(first_seen, on="source_file", how="left").withColumn(
        "ingested_at", F.coalesce("_first_seen", "ingested_at")
    )
    return kept.select(*REJECTED_COLUMNS).unionByName(resolved.select(*REJECTED_COLUMNS))
