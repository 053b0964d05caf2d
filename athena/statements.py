"""Athena SQL typed by a person (``make sql``): checked for what Athena would refuse,
translated to DuckDB and run statement by statement over :class:`LocalAthena`; any failure
becomes one line (``QueryError``)."""

from __future__ import annotations

import duckdb
import sqlglot
from sqlglot.errors import SqlglotError

from athena.catalog import QueryError
from athena.local import LocalAthena, QueryResult
from athena.rules import not_athena


def local_schema(athena: LocalAthena) -> dict[str, dict[str, str]]:
    """Every local table and view -> column -> DuckDB type, as the statements see them."""
    rows = athena.connection.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns"
    ).fetchall()
    schema: dict[str, dict[str, str]] = {}
    for table, column, kind in rows:
        schema.setdefault(table, {})[column] = kind
    return schema


def duckdb_function_names(athena: LocalAthena) -> frozenset[str]:
    rows = athena.connection.execute("SELECT DISTINCT function_name FROM duckdb_functions()")
    return frozenset(name.lower() for (name,) in rows.fetchall())


def _refuse_what_athena_would(athena: LocalAthena, athena_sql: str) -> None:
    """SQL DuckDB would run but Athena would not fails here, naming the construct
    (athena/rules.py ``not_athena``): what works locally then works on Athena."""
    found = not_athena(athena_sql, local_schema(athena), duckdb_function_names(athena))
    if found:
        raise QueryError(
            f"Athena would refuse this: {'; '.join(found)} (--duckdb runs DuckDB SQL as is)"
        )


def run_statements(
    athena: LocalAthena, athena_sql: str, duckdb_sql: bool = False
) -> list[QueryResult]:
    """The result of every statement that returns rows, in order. ``duckdb_sql``: the text
    is DuckDB's own SQL, run as written, with no Athena check (``make sql DUCKDB=1``)."""
    results = []
    try:
        if duckdb_sql:
            statements = [e.sql("duckdb") for e in sqlglot.parse(athena_sql, read="duckdb") if e]
        else:
            _refuse_what_athena_would(athena, athena_sql)
            statements = sqlglot.transpile(athena_sql, read="athena", write="duckdb")
        for sql in statements:
            cursor = athena.connection.execute(sql)
            if cursor.description:
                columns = [d[0] for d in cursor.description]
                results.append(QueryResult(columns, cursor.fetchall()))
    except (SqlglotError, duckdb.Error) as err:
        raise QueryError(str(err).strip().splitlines()[0]) from err
    return results
