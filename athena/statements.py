"""Athena SQL typed by a person (``make sql``): translated to DuckDB and run statement by
statement over :class:`LocalAthena`; any failure becomes one line (``QueryError``)."""

from __future__ import annotations

import duckdb
import sqlglot
from sqlglot.errors import SqlglotError

from athena.catalog import QueryError
from athena.local import LocalAthena, QueryResult


def run_statements(athena: LocalAthena, athena_sql: str) -> list[QueryResult]:
    """The result of every statement that returns rows, in order."""
    results = []
    try:
        for sql in sqlglot.transpile(athena_sql, read="athena", write="duckdb"):
            cursor = athena.connection.execute(sql)
            if cursor.description:
                columns = [d[0] for d in cursor.description]
                results.append(QueryResult(columns, cursor.fetchall()))
    except (SqlglotError, duckdb.Error) as err:
        raise QueryError(str(err).strip().splitlines()[0]) from err
    return results
