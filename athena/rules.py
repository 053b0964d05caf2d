"""Athena's documented rules for parameterized queries, which DuckDB (the local twin) and a
plain SQL grammar both accept without complaint (Athena guide, "Use parameterized
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
from sqlglot.errors import ParseError

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
