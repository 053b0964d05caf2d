"""Reading the job's output in tests: the current version of a table is what its
manifests list (table_format/layout.py), never whatever Parquet lies in its folders."""

from __future__ import annotations

import shutil
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession

from athena.local import manifest_partitions
from table_format.table_io import read_files
from transforms.tables import TABLES


def partition_files(table_root: Path) -> dict[str, list[str]]:
    """Partition path -> the data files (local paths) its manifest lists."""
    return dict(manifest_partitions(table_root))


def table_frame(
    spark: SparkSession, output: Path, name: str, root: Path | None = None
) -> DataFrame:
    """The table's current rows (``root``: the table's folder, if not ``output/name``)."""
    files = [f for fs in partition_files(root or output / name).values() for f in fs]
    return read_files(spark, TABLES[name], files)


def table_rows(
    spark: SparkSession, output: Path, name: str, root: Path | None = None
) -> list[tuple]:
    return sorted(tuple(r) for r in table_frame(spark, output, name, root).collect())


def stored_parquet(output: Path) -> set[Path]:
    """Every Parquet file under ``output``, referenced or not (to find leaks)."""
    return set(output.rglob("*.parquet"))


def referenced_parquet(output: Path) -> set[Path]:
    """Every Parquet file a manifest of a table under ``output`` names."""
    return {
        Path(f) for name in TABLES for fs in partition_files(output / name).values() for f in fs
    }


def copy_output(source: Path, target: Path) -> Path:
    """Copy a job output folder so the copy stands alone: manifests and commit records name
    files by absolute URI (as Athena requires), so they are rewritten to the copy's paths."""
    shutil.copytree(source, target)
    old, new = source.resolve().as_uri(), target.resolve().as_uri()  # file:///…
    short_old, short_new = old.replace("file:///", "file:/"), new.replace("file:///", "file:/")
    for path in [*target.rglob("manifest"), *target.glob("_commits/*.json")]:
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(old, new).replace(short_old, short_new), encoding="utf-8")
    return target


def key_problems_in(frame: DataFrame, key: tuple[str, ...]) -> list[str]:
    """What breaks "one row per ``key``" in ``frame``: keys held by more than one row, rows
    with a null key column."""
    from pyspark.sql import functions as F

    problems = [
        f"{ {c: row[c] for c in key} } has {row['_rows']} rows"
        for row in frame.groupBy(*key)
        .agg(F.count(F.lit(1)).alias("_rows"))
        .where(F.col("_rows") > 1)
        .collect()
    ]
    nulls = frame.where(" OR ".join(f"`{c}` IS NULL" for c in key)).count()
    return problems + ([f"{nulls} rows with a null key column"] if nulls else [])


def key_problems(spark: SparkSession, output: Path) -> dict[str, list[str]]:
    """Per table (transforms.tables), what breaks its key in the current version."""
    return {
        name: found
        for name, table in TABLES.items()
        if (found := key_problems_in(table_frame(spark, output, name), table.key))
    }
