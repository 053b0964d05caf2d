"""Session settings sized from the run's input and the cores the job has.

The same rule serves a 2-core laptop (``local[2]``) and a Glue cluster (cores = every
executor core): split the input so each core reads at least two pieces, even when the
input is one big CSV, and size the shuffle to ~64 MB per partition but never fewer than
four per core; AQE then merges shuffle partitions only up to ``ADVISORY_SHUFFLE_BYTES``, so
a big run keeps its small sorts and a tiny one runs as one task. Pure Python; the run sets
them with ``table_format.session.applied``.
"""

from __future__ import annotations

import math

MB = 1024 * 1024
MIN_SPLIT_BYTES = 4 * MB  # below this, per-task overhead outweighs the parallelism
MAX_SPLIT_BYTES = 128 * MB  # Spark's default maxPartitionBytes
SHUFFLE_BYTES_PER_PARTITION = 64 * MB  # AQE's default advisory partition size
# Smaller sorts: with 2 per core, a 2M-row local run's sorts spilled to disk (1 GB heap).
MIN_SHUFFLE_PER_CORE = 4
# What AQE merges small shuffle partitions up to (its default: 64 MB). At 64 MB it merged a
# 2M-row run's 4 partitions of ~22 MB into 3 tasks on 2 cores (one core idle for the last
# third of the write) and its sorts spilled; at 16 MB the 8 partitions stay 8.
ADVISORY_SHUFFLE_BYTES = 16 * MB


def run_settings(input_bytes: int, cores: int) -> dict[str, str]:
    """The split size, shuffle partitions and AQE's advisory partition size for a run."""
    cores = max(1, cores)
    split = min(MAX_SPLIT_BYTES, max(MIN_SPLIT_BYTES, math.ceil(input_bytes / (2 * cores))))
    wanted = max(MIN_SHUFFLE_PER_CORE * cores, math.ceil(input_bytes / SHUFFLE_BYTES_PER_PARTITION))
    shuffle = math.ceil(wanted / cores) * cores  # whole waves: no core idles in the last one
    return {
        "spark.sql.files.maxPartitionBytes": str(split),
        "spark.sql.shuffle.partitions": str(shuffle),
        "spark.sql.adaptive.advisoryPartitionSizeInBytes": str(ADVISORY_SHUFFLE_BYTES),
    }
