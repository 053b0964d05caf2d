"""Session settings sized from the run's input and the cores the job has.

The same rule serves a 2-core laptop (``local[2]``) and a Glue cluster (cores = every
executor core): split the input so each core reads at least two pieces, even when the
input is one big CSV, and size the shuffle to ~64 MB per partition but never fewer than
four per core. Pure Python; ``applied`` sets them for one run and restores the old ones.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from pyspark.sql import SparkSession

MB = 1024 * 1024
MIN_SPLIT_BYTES = 4 * MB  # below this, per-task overhead outweighs the parallelism
MAX_SPLIT_BYTES = 128 * MB  # Spark's default maxPartitionBytes
SHUFFLE_BYTES_PER_PARTITION = 64 * MB  # AQE's default advisory partition size
# Smaller sorts: with 2 per core, a 2M-row local run's sorts spilled to disk (1 GB heap).
MIN_SHUFFLE_PER_CORE = 4


def run_settings(input_bytes: int, cores: int) -> dict[str, str]:
    """``spark.sql.files.maxPartitionBytes`` and ``spark.sql.shuffle.partitions`` for a run."""
    cores = max(1, cores)
    split = min(MAX_SPLIT_BYTES, max(MIN_SPLIT_BYTES, math.ceil(input_bytes / (2 * cores))))
    wanted = max(MIN_SHUFFLE_PER_CORE * cores, math.ceil(input_bytes / SHUFFLE_BYTES_PER_PARTITION))
    shuffle = math.ceil(wanted / cores) * cores  # whole waves: no core idles in the last one
    return {
        "spark.sql.files.maxPartitionBytes": str(split),
        "spark.sql.shuffle.partitions": str(shuffle),
    }


@contextmanager
def applied(spark: SparkSession, settings: Mapping[str, str]) -> Iterator[None]:
    """Set runtime SQL settings for the duration of a block, then put the old values back."""
    previous = {key: spark.conf.get(key, None) for key in settings}
    for key, value in settings.items():
        spark.conf.set(key, value)
    try:
        yield
    finally:
        for key, old in previous.items():
            if old is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, old)
