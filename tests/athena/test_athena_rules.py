"""Every named query follows Athena's parameter rules (athena/rules.py), which the local
twin cannot check: DuckDB runs ``OFFSET ? LIMIT ?``, Athena refuses it. And none of the
project's own SQL trips the check ``make sql`` applies (tests/athena/test_athena_cli.py
shows each construct it refuses)."""

from __future__ import annotations

import pytest

from athena.catalog import load_query, query_names
from athena.local import VIEWS, LocalAthena
from athena.rules import not_athena, violations
from athena.statements import duckdb_function_names, local_schema

# orders_by_client.sql as it was: DuckDB ran it, Athena would have failed its first call.
PAGED_BY_LIMIT = """
SELECT order_id, COUNT(*) AS line_count FROM orders
WHERE client_id = ? AND order_date BETWEEN ? AND ?
GROUP BY order_id ORDER BY order_id
OFFSET ? LIMIT ?
"""


@pytest.mark.parametrize("name", query_names())
def test_every_named_query_follows_athenas_parameter_rules(name: str) -> None:
    """The statement as the API sends it (the catalog strips a file's trailing ';')."""
    assert violations(load_query(name).sql) == []


def test_parameters_in_offset_and_limit_are_refused() -> None:
    found = violations(PAGED_BY_LIMIT)
    assert len(found) == 2
    assert all("outside WHERE" in problem for problem in found)


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        ("SELECT ? AS x FROM orders", "outside WHERE"),
        ("SELECT channel FROM orders GROUP BY channel HAVING COUNT(*) > ?", "outside WHERE"),
        ("SELECT * FROM orders WHERE channel = '?'", "quoted"),
        ("SELECT * FROM orders WHERE channel = ?;", "trailing ';'"),
        ("SELECT * FROM (SELECT ? AS x FROM orders) WHERE x = 1", "outside WHERE"),
    ],
)
def test_each_rule_is_enforced(sql: str, problem: str) -> None:
    assert any(problem in found for found in violations(sql))


def test_a_parameter_in_a_subquerys_where_is_allowed() -> None:
    sql = "SELECT * FROM (SELECT * FROM orders WHERE client_id = ?) AS o WHERE o.units > ?"
    assert violations(sql) == []


def test_every_named_query_and_view_passes_the_check_make_sql_applies(
    local_athena: LocalAthena,
) -> None:
    """No false alarm on the project's own Athena SQL: every named query and view passes
    ``not_athena`` against the local tables' real column types."""
    schema, functions = local_schema(local_athena), duckdb_function_names(local_athena)
    assert schema["orders"]["order_date"] == "DATE" and "strftime" in functions
    texts = {name: load_query(name).sql for name in query_names()} | dict(VIEWS)
    problems = {name: not_athena(sql, schema, functions) for name, sql in texts.items()}
    assert {name: found for name, found in problems.items() if found} == {}
    assert len(problems) == len(query_names()) + len(VIEWS) > 5
