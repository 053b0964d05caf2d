"""The version order of an order line: which of two lines with the same key is newer.

Versions are ordered by their file's upload time (``source_modified_at``: S3
``LastModified``, a local file's mtime, or a staged upload's recorded time), then by the
file's path: the newest upload wins however late it is processed, and equal times fall
back to the path, deterministically. Staging picks a run's newest line per key by it, core
the newest of a run's line and the stored one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from pyspark.sql import Column
from pyspark.sql import functions as F

# What orders two versions of a line, most significant first; later is newer.
VERSION_ORDER = ("source_modified_at", "source_file")


def newest_first() -> list[Column]:
    """The version order of a line, newest first."""
    return [F.col(c).desc() for c in VERSION_ORDER]


def version() -> Column:
    """A line's version as one comparable value (structs compare field by field)."""
    return F.struct(*VERSION_ORDER)


def is_newer_or_same(version: Column, than: Column) -> Column:
    """Whether ``version`` (a ``version()``) wins over ``than`` in the upsert, where an
    incoming line wins a tie; true when ``than`` is null (no stored line)."""
    return than.isNull() | (version >= than)


def upload_time(modified: Mapping[str, dt.datetime]) -> Column:
    """Each row's file upload time from its ``source_file`` (``modified``: file URI -> naive
    UTC time); null for a file not in ``modified``."""
    epoch = dt.datetime(1970, 1, 1)
    pairs = [
        item
        for path, at in sorted(modified.items())
        for item in (F.lit(path), F.lit((at - epoch) // dt.timedelta(microseconds=1)))
    ]
    micros = F.create_map(*pairs)[F.col("source_file")] if pairs else F.lit(None)
    return F.timestamp_micros(micros.cast("bigint"))
