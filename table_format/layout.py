"""Where a table's files live. Pure Python: the job, the local DuckDB twin and the API share it.

```
<table root>/_data/<commit_id>/<col>=<value>/…/part-*.parquet   immutable data files
<table root>/_manifest/<col>=<value>/…/manifest                  the partition's current files
<processed root>/_commits/<commit_id>.json                       a run's commit record
```

A partition's current version is exactly the files its ``manifest`` lists, one URI a line
(Hive's ``SymlinkTextInputFormat``, which Athena reads). Data files are never overwritten
or moved: a commit writes new files, then replaces each touched manifest in one atomic
write. Folders starting with ``_`` are invisible to Spark, Hive and Athena listings.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from urllib.parse import unquote

DATA_DIR = "_data"
MANIFEST_DIR = "_manifest"
MANIFEST_NAME = "manifest"
COMMITS_DIR = "_commits"

PartitionValues = tuple[object, ...]  # values as Spark returns them (date, str, int)
_SEGMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


def value_text(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def partition_dir(columns: Sequence[str], values: Sequence[object]) -> str:
    """``order_date=2026-11-21/channel=online``: Hive-style, as Spark's ``partitionBy`` writes."""
    return "/".join(
        f"{column}={value_text(value)}" for column, value in zip(columns, values, strict=True)
    )


def partition_of(relative: str, columns: Sequence[str]) -> dict[str, str]:
    """The ``column -> value text`` pairs of the ``col=value`` segments of a path."""
    found: dict[str, str] = {}
    for segment in relative.split("/"):
        match = _SEGMENT.match(segment)
        if match and match.group(1) in columns:
            found[match.group(1)] = unquote(match.group(2))
    return found


def data_dir(table_root: str, commit_id: str) -> str:
    return f"{table_root}/{DATA_DIR}/{commit_id}"


def manifest_root(table_root: str) -> str:
    return f"{table_root}/{MANIFEST_DIR}"


def manifest_path(table_root: str, relative: str) -> str:
    return f"{manifest_root(table_root)}/{relative}/{MANIFEST_NAME}"


def commits_dir(output_root: str) -> str:
    return f"{output_root}/{COMMITS_DIR}"


def parse_manifest(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def render_manifest(files: Sequence[str]) -> str:
    return "".join(f"{file}\n" for file in files)


def is_data_file(relative: str) -> bool:
    """A Parquet file Spark committed (not ``_SUCCESS``, ``.crc``, ``_temporary/…``)."""
    parts = relative.split("/")
    return relative.endswith(".parquet") and not any(p.startswith(("_", ".")) for p in parts)


def local_path(uri: str) -> str:
    """A ``file:`` path (Hadoop's ``Path.toString()``: not percent-encoded, so ``%``,
    ``#`` and ``?`` are part of the name) as a local path; other strings unchanged."""
    if uri.startswith("file:"):
        rest = uri.removeprefix("file:")
        return "/" + rest.lstrip("/") if rest.startswith("//") else rest
    return uri
