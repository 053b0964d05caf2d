"""Athena SQL over the job's local output, through DuckDB.

The named queries are written in Athena (Trino) SQL; sqlglot translates them to
DuckDB. Placeholders become named DuckDB parameters first, so a clause order that
differs between the dialects (``OFFSET … LIMIT`` vs ``LIMIT … OFFSET``) cannot
mis-bind a value.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import sqlglot

from athena.catalog import NamedQuery, ParamValue, QueryError, load_query, placeholder_positions
from transforms.schemas import TABLES

# Athena names that are not a job output folder: the seed's name for the orders table.
VIEWS = {"processed_orders": "SELECT * FROM orders"}


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
    named, last = [], 0
    for n, position in enumerate(placeholder_positions(athena_sql), start=1):
        named.append(athena_sql[last:position] + f":p{n}")
        last = position + 1
    named.append(athena_sql[last:])
    return sqlglot.transpile("".join(named), read="athena", write="duckdb")[0]


def _sql_string(text: str) -> str:
    """A DuckDB string literal for a path we built (view DDL cannot take parameters)."""
    return "'" + text.replace("'", "''") + "'"


def _parquet_glob(root: Path, name: str) -> str:
    """``<root>/<table>/<k=v>/…/*.parquet``: one ``*`` per partition level."""
    return "/".join([str(root / name), *["*"] * len(TABLES[name][1]), "*.parquet"])


def _view_sql(root: Path, name: str) -> str:
    hive_types = ", ".join(
        f"{column}: '{'DATE' if column.endswith('_date') else 'VARCHAR'}'"
        for column in TABLES[name][1]
    )
    source = _sql_string(_parquet_glob(root, name))
    return (
        f"CREATE VIEW {name} AS SELECT * FROM read_parquet({source}, "  # noqa: S608 - our own path
        f"hive_partitioning = true, hive_types = {{{hive_types}}})"
    )


class LocalAthena:
    """A DuckDB connection with one view per output table, like the Athena database."""

    def __init__(self, output_root: str | Path) -> None:
        self.root = Path(output_root)
        present = [name for name in TABLES if glob.glob(_parquet_glob(self.root, name))]
        if "orders" not in present:
            raise OutputMissingError(
                f"no job output under {self.root}/orders: run the job first (make run)"
            )
        self.connection = duckdb.connect()
        for name in present:
            self.connection.execute(_view_sql(self.root, name))
        for name, select in VIEWS.items():
            self.connection.execute(f"CREATE VIEW {name} AS {select}")

    def run(
        self, query: NamedQuery | str, values: dict[str, ParamValue] | None = None
    ) -> QueryResult:
        named = load_query(query) if isinstance(query, str) else query
        bound = named.bind(values or {})
        cursor = self.connection.execute(
            to_duckdb(named.sql), {f"p{n}": v for n, v in enumerate(bound, start=1)}
        )
        columns = [d[0] for d in cursor.description]
        return QueryResult(columns, cursor.fetchall())
