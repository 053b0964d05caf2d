"""No named query reads every partition of history: each SELECT over a table partitioned by a
date (directly or through a view, such as ``processed_orders``) bounds that date on both
sides in its WHERE clause, at the top level (an ``OR`` branch does not prune).

Athena plans one partition per projected (date x channel) value the predicates allow; without
the bound, a query plans the whole projection (docs/athena.md). The queries are parsed with
sqlglot, as Athena SQL.
"""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from athena.catalog import load_query, query_names
from athena.ddl import DATE_RANGES, VIEWS
from transforms.tables import PUBLIC_TABLES as TABLES

LOWER = (exp.GT, exp.GTE)
UPPER = (exp.LT, exp.LTE)


def date_partitions(name: str) -> tuple[str, ...]:
    """The projected date partition columns of a table or of the table a view shows."""
    table = TABLES.get(VIEWS.get(name, (name, ""))[0])
    return tuple(c for c in table.partitions if c in DATE_RANGES) if table else ()


def _conjuncts(where: exp.Expression | None) -> list[exp.Expression]:
    """The predicates ANDed at the top of a WHERE clause."""
    if where is None:
        return []
    return list(where.this.flatten()) if isinstance(where.this, exp.And) else [where.this]


def _bounds(predicate: exp.Expression, column: str) -> set[str]:
    """Which sides of ``column`` one top-level predicate bounds: {"low", "high"}."""
    if isinstance(predicate, exp.Between) and _is(predicate.this, column):
        return {"low", "high"}
    if isinstance(predicate, (exp.EQ, exp.In)) and _is(predicate.this, column):
        return {"low", "high"}
    if isinstance(predicate, LOWER + UPPER):
        left, right = _is(predicate.this, column), _is(predicate.expression, column)
        if left or right:
            lower = isinstance(predicate, LOWER) == left  # column > x, or x < column
            return {"low" if lower else "high"}
    return set()


def _is(node: exp.Expression, column: str) -> bool:
    return isinstance(node, exp.Column) and node.name.lower() == column


def unbounded_scans(sql: str) -> list[str]:
    """``table.column`` for every date partition a SELECT of ``sql`` reads without bounds."""
    problems = []
    for select in sqlglot.parse_one(sql, read="athena").find_all(exp.Select):
        tables = [t for t in select.find_all(exp.Table) if t.find_ancestor(exp.Select) is select]
        conjuncts = _conjuncts(select.args.get("where"))
        for table in tables:
            for column in date_partitions(table.name.lower()):
                bounds = set().union(*(_bounds(p, column) for p in conjuncts))
                if bounds != {"low", "high"}:
                    problems.append(f"{table.name}.{column}")
    return problems


@pytest.mark.parametrize("name", query_names())
def test_named_query_bounds_the_date_partitions_it_reads(name: str) -> None:
    assert unbounded_scans(load_query(name).sql) == []


def test_every_named_query_reads_a_date_partitioned_table() -> None:
    """Otherwise the test above would pass for want of anything to check."""
    for name in query_names():
        tables = sqlglot.parse_one(load_query(name).sql, read="athena").find_all(exp.Table)
        assert any(date_partitions(t.name.lower()) for t in tables), name


@pytest.mark.parametrize(
    ("sql", "found"),
    [
        # the seed's query as it was: every partition of history
        (
            "SELECT client_id, COUNT(*) FROM processed_orders GROUP BY client_id",
            ["processed_orders"],
        ),
        ("SELECT * FROM orders WHERE client_id = ?", ["orders"]),
        ("SELECT * FROM orders WHERE order_date >= ?", ["orders"]),  # no upper bound
        ("SELECT * FROM orders WHERE order_date BETWEEN ? AND ? OR client_id = ?", ["orders"]),
        (
            "SELECT * FROM (SELECT * FROM sales_by_product_channel) AS s",
            ["sales_by_product_channel"],
        ),
        ("SELECT * FROM rejected_orders WHERE order_date = ?", ["rejected_orders"]),  # ingest_date
        ("SELECT * FROM orders WHERE ? <= order_date AND order_date < ?", []),
        ("SELECT * FROM orders WHERE order_date IN (?, ?) AND channel = ?", []),
    ],
)
def test_the_check_finds_unbounded_scans(sql: str, found: list[str]) -> None:
    assert [p.split(".")[0] for p in unbounded_scans(sql)] == found
