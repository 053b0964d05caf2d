"""Athena SQL over the job's local output, through DuckDB.

The named queries are written in Athena (Trino) SQL; sqlglot translates them to
DuckDB. Placeholders become named DuckDB parameters first, so a clause order that
differs between the dialects (``OFFSET … LIMIT`` vs ``LIMIT … OFFSET``) cannot
mis-bind a value. Every table of the Athena database exists here, like there: a table
the job has not written yet is an empty view with the right columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp

from athena.catalog import NamedQuery, ParamValue, QueryError, load_query, named_values, to_named
from athena.ddl import VIEWS as VIEW_TABLES
from athena.ddl import hive_type
from table_format.layout import (
    COMMITS_DIR,
    MANIFEST_DIR,
    MANIFEST_NAME,
    local_path,
    parse_manifest,
)
from transforms.tables import PUBLIC_TABLES as TABLES

# Athena names that are not a job output folder: the seed's name for the orders table.
VIEWS = {view: f"SELECT * FROM {table}" for view, (table, _why) in VIEW_TABLES.items()}  # noqa: S608


class OutputMissingError(QueryError):
    """There is no job output to query yet."""


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def to_duckdb(athena_sql: str) -> str:
    """Athena SQL with ``?`` placeholders -> DuckDB SQL with ``$p1…$pN`` parameters."""
    return sqlglot.transpile(to_named(athena_sql), read="athena", write="duckdb")[0]


def _sql_string(text: str) -> str:
    """A DuckDB string literal for a path we built (view DDL cannot take parameters)."""
    return "'" + text.replace("'", "''") + "'"


def current_partitions(root: Path, name: str) -> list[tuple[str, list[str]]]:
    """``(partition path, its current data files)`` of a table: what its partitions'
    manifests list, as Athena reads them. Each manifest is replaced atomically by a
    commit, so every partition is read entirely old or entirely new (docs/tables.md)."""
    return manifest_partitions(root / name)


def manifest_partitions(table_root: Path) -> list[tuple[str, list[str]]]:
    base = table_root / MANIFEST_DIR
    found = []
    for manifest in sorted(base.rglob(MANIFEST_NAME)):
        try:
            text = manifest.read_text(encoding="utf-8")
        except FileNotFoundError:  # the partition was emptied since the listing
            continue
        relative = manifest.parent.relative_to(base).as_posix()
        found.append((relative, [local_path(uri) for uri in parse_manifest(text)]))
    return found


def output_version(root: Path) -> tuple[str, ...]:
    """Changes whenever a commit is applied or swept: the names in the commit log."""
    log = root / COMMITS_DIR
    return tuple(sorted(p.name for p in log.iterdir())) if log.is_dir() else ()


def current_files(root: Path, name: str) -> list[str]:
    return [file for _path, files in current_partitions(root, name) for file in files]


def _view_sql(name: str, files: list[str]) -> str:
    hive_types = ", ".join(
        f"{column}: '{'DATE' if column.endswith('_date') else 'VARCHAR'}'"
        for column in TABLES[name].partitions
    )
    sources = ", ".join(_sql_string(path) for path in files)
    return (
        f"CREATE VIEW {name} AS SELECT * FROM read_parquet([{sources}], "  # noqa: S608 - our paths
        f"hive_partitioning = true, hive_types = {{{hive_types}}})"
    )


def _empty_view_sql(name: str) -> str:
    """A table with no files yet: no rows, the declared columns and types."""
    columns = ", ".join(
        f"CAST(NULL AS {exp.DataType.build(hive_type(f.dataType), dialect='spark').sql('duckdb')})"
        f" AS {f.name}"
        for f in TABLES[name].schema.fields
    )
    return f"CREATE VIEW {name} AS SELECT {columns} WHERE false"


def check_output(root: Path) -> None:
    """Raise :class:`OutputMissingError` unless ``root`` holds the job's ``orders`` table."""
    if not root.is_dir():
        raise OutputMissingError(
            f"output folder {root} does not exist: run the job first (make run)"
        )
    if not current_files(root, "orders"):
        raise OutputMissingError(
            f"no job output in {root}: no {root}/orders/{MANIFEST_DIR}/…/{MANIFEST_NAME}; "
            "run the job first (make run), or point at the job's --output_path"
        )


class LocalAthena:
    """A DuckDB connection with one view per output table, like the Athena database."""

    def __init__(self, output_root: str | Path) -> None:
        self.root = Path(output_root)
        self.version = output_version(self.root)  # the views show the tables as of this
        check_output(self.root)
        self.connection = duckdb.connect()
        self.connection.execute("SET TimeZone = 'UTC'")
        for name in TABLES:
            files = current_files(self.root, name)
            self.connection.execute(_view_sql(name, files) if files else _empty_view_sql(name))
        for name, select in VIEWS.items():
            self.connection.execute(f"CREATE VIEW {name} AS {select}")

    def execute(self, athena_sql: str, values: list[ParamValue] | None = None) -> QueryResult:
        """Run Athena SQL (``?`` placeholders bound to ``values``, in order) in DuckDB."""
        cursor = self.connection.execute(to_duckdb(athena_sql), named_values(values or []))
        columns = [d[0] for d in cursor.description or []]
        return QueryResult(columns, cursor.fetchall())

    def run(
        self, query: NamedQuery | str, values: dict[str, ParamValue] | None = None
    ) -> QueryResult:
        named = load_query(query) if isinstance(query, str) else query
        return self.execute(named.sql, named.bind(values or {}))
