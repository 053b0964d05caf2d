"""Athena's rules that DuckDB (the local twin) does not enforce. ``not_athena``: the
constructs ``make sql`` refuses (DuckDB SQL that Athena would not run; see below).
``violations``: the documented rules for parameterized queries, which DuckDB and a plain
SQL grammar both accept without complaint (Athena guide, "Use parameterized
queries", Considerations and limitations:
https://docs.aws.amazon.com/athena/latest/ug/querying-with-prepared-statements.html):

- an execution parameter ``?`` may stand only in a ``WHERE`` clause (not in ``LIMIT``,
  ``OFFSET``, a select list or ``HAVING``);
- a parameter is never quoted (``'?'`` is a string, not a parameter);
- a statement has no trailing ``;``.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import MappingSchema
from sqlglot.tokens import Token, TokenType

# Where a clause of its own begins: a parameter must meet a WHERE before any of these.
_CLAUSE_ROOTS = (exp.Select, exp.Union, exp.Subquery, exp.Limit, exp.Offset, exp.Having)


def _in_where(node: exp.Expression) -> bool:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, exp.Where):
            return True
        if isinstance(parent, _CLAUSE_ROOTS):
            return False
        parent = parent.parent
    return False


def violations(sql: str) -> list[str]:
    """What Athena would refuse in one statement; empty when it follows the rules."""
    found = []
    if sql.rstrip().endswith(";"):
        found.append("a trailing ';' (Athena takes one statement without it)")
    try:
        tree = sqlglot.parse_one(sql.rstrip().rstrip(";"), read="athena")
    except ParseError as err:
        return [*found, f"not Athena SQL: {str(err).splitlines()[0]}"]
    for node in tree.find_all(exp.Placeholder):
        if not _in_where(node):
            where = node.parent.key.upper() if node.parent is not None else "the statement"
            found.append(f"a '?' parameter outside WHERE (in {where}): Athena refuses it")
    for literal in tree.find_all(exp.Literal):
        if literal.is_string and literal.this.strip() == "?":
            found.append("a quoted '?': Athena parameters are never quoted")
    return found


# What DuckDB (``make sql``'s engine) runs and Athena (Trino) refuses. Trino's SQL: OFFSET
# comes before LIMIT (https://trino.io/docs/current/sql/select.html#offset-clause), a cast is
# CAST(x AS type) (the ``::`` form is DuckDB's and PostgreSQL's), there is no ILIKE (use
# lower(x) LIKE …), and a date never equals a string: Trino refuses ``date >= varchar``
# ("Cannot apply operator"), so compare with DATE '2026-11-01'.
_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
_TEMPORAL = (exp.DataType.Type.DATE, exp.DataType.Type.TIMESTAMP, exp.DataType.Type.TIMESTAMPTZ)


def _clause_order(tokens: list[Token]) -> list[str]:
    """LIMIT followed by OFFSET in one query (the same parenthesis depth)."""
    depth, limit_at = 0, set()
    for token in tokens:
        kind = token.token_type
        if kind == TokenType.L_PAREN:
            depth += 1
        elif kind == TokenType.R_PAREN:
            limit_at.discard(depth)
            depth -= 1
        elif kind == TokenType.SEMICOLON:
            depth, limit_at = 0, set()
        elif kind == TokenType.LIMIT:
            limit_at.add(depth)
        elif kind == TokenType.OFFSET and depth in limit_at:
            return ["LIMIT before OFFSET: Athena takes OFFSET n before LIMIT m"]
    return []


def _is_temporal_vs_string(left: exp.Expression, right: exp.Expression) -> bool:
    def temporal(node: exp.Expression) -> bool:
        return node.type is not None and node.type.this in _TEMPORAL

    def string(node: exp.Expression) -> bool:
        return isinstance(node, exp.Literal) and node.is_string

    return (temporal(left) and string(right)) or (string(left) and temporal(right))


def not_athena(
    sql: str, schema: dict[str, dict[str, str]], duckdb_functions: frozenset[str]
) -> list[str]:
    """The constructs of ``sql`` (one or more statements, as typed) that DuckDB runs but
    Athena would refuse; empty when none. ``schema``: table -> column -> type (the local
    views' own, in DuckDB's names); ``duckdb_functions``: DuckDB's function names, lower
    case."""
    tokens = sqlglot.tokenize(sql, read="athena")
    kinds = {token.token_type for token in tokens}
    found = []
    if TokenType.DCOLON in kinds:
        found.append("a '::' cast: Athena writes CAST(x AS type)")
    if TokenType.ILIKE in kinds:
        found.append("ILIKE: Athena has none (lower(x) LIKE 'abc%')")
    found += _clause_order(tokens)
    try:
        trees = [tree for tree in sqlglot.parse(sql, read="athena") if tree is not None]
    except ParseError as err:
        return [*found, f"not Athena SQL: {str(err).splitlines()[0]}"]
    for tree in trees:
        found += _tree_problems(tree, schema, duckdb_functions)
    return found


def _tree_problems(
    tree: exp.Expr, schema: dict[str, dict[str, str]], duckdb_functions: frozenset[str]
) -> list[str]:
    found = []
    for function in tree.find_all(exp.Anonymous):
        if function.name.lower() in duckdb_functions:
            found.append(f"{function.name}(): a DuckDB function, not an Athena (Trino) one")
    tables = MappingSchema(dict(schema), dialect="duckdb")
    try:
        qualified = qualify(tree.copy(), schema=tables, validate_qualify_columns=False)
        typed = annotate_types(qualified, schema=tables)
    except SqlglotError:
        return found  # a statement sqlglot cannot resolve: DuckDB gives its own error
    for node in typed.find_all(*_COMPARISONS, exp.Between):
        low, high = ("low", "high") if isinstance(node, exp.Between) else ("expression",) * 2
        pairs = [(node.this, node.args[low]), (node.this, node.args[high])]
        if any(_is_temporal_vs_string(left, right) for left, right in pairs):
            found.append(
                f"{node.sql(dialect='athena')}: a date compared with a string; Athena needs "
                "DATE '2026-11-01' (or CAST(… AS DATE))"
            )
    return found
