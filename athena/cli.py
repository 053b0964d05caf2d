"""``python -m athena``: run a named query on the local job output, or open a SQL prompt.

``make query Q=<name> ARGS="from=2026-11-01 to=2026-11-30"`` and ``make sql [Q="SELECT …"]``
call this. Errors the user can fix (no output yet, unknown query, bad parameter, bad SQL)
exit with 2 and one line on stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from athena.catalog import (
    NamedQuery,
    ParamValue,
    QueryError,
    default_values,
    load_query,
    query_names,
)
from athena.formats import FORMATS, FORMATTERS
from athena.local import LocalAthena
from athena.repl import AthenaShell
from athena.statements import run_statements

USAGE_ERROR = 2
# Short names accepted on the command line for the declared parameters.
ALIASES = {"from": "date_from", "to": "date_to", "offset": "page_offset", "limit": "page_limit"}


def parse_values(query: NamedQuery, pairs: Sequence[str]) -> dict[str, ParamValue]:
    """``name=value`` pairs (aliases allowed) over the query's defaults."""
    values = default_values(query)
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise QueryError(f"expected name=value, got {pair!r}")
        values[ALIASES.get(name, name)] = value
    return values


def describe(name: str) -> str:
    query = load_query(name)
    params = ", ".join(
        f"{p.name} {p.type}{' optional' if p.optional else ''}" for p in query.params
    )
    return f"{name}({params})\n    {query.description}"


def run_query(args: argparse.Namespace) -> int:
    if not args.name:
        print("named queries:\n" + "\n".join(describe(n) for n in query_names()))
        return 0
    query = load_query(args.name)
    values = parse_values(query, args.params)
    result = LocalAthena(args.output).run(query, values)
    print(FORMATTERS[args.format](result))
    return 0


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--output", default="output", help="the job's output root (default: output)"
    )
    parser = argparse.ArgumentParser(prog="python -m athena", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    query = commands.add_parser("query", parents=[common], help="run a named query (none: list)")
    query.add_argument("name", nargs="?", help=f"one of: {', '.join(query_names())}")
    query.add_argument("params", nargs="*", help="name=value (from/to/offset/limit work too)")
    query.add_argument("--format", choices=FORMATS, default="table")
    sql = commands.add_parser(
        "sql", parents=[common], help="Athena SQL over the output: -c runs it, none: a prompt"
    )
    sql.add_argument("-c", "--command", dest="sql", help="the SQL to run (';' between statements)")
    sql.add_argument("--format", choices=FORMATS, default="table")
    sql.add_argument(
        "--duckdb",
        action="store_true",
        help="the SQL is DuckDB's, run as written: no check that Athena would run it",
    )
    return parser


def run_sql(args: argparse.Namespace) -> int:
    athena = LocalAthena(args.output)
    if args.sql is None:
        AthenaShell(athena, duckdb_sql=args.duckdb).loop()
        return 0
    for result in run_statements(athena, args.sql, duckdb_sql=args.duckdb):
        print(FORMATTERS[args.format](result))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    # name=value pairs may follow options (``make query`` appends --output last).
    args, extra = parser.parse_known_args(argv)
    if extra and (args.command != "query" or any(item.startswith("-") for item in extra)):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "query":
        args.params = [*args.params, *extra]
    try:
        return run_sql(args) if args.command == "sql" else run_query(args)
    except QueryError as err:
        print(f"error: {err}", file=sys.stderr)
        return USAGE_ERROR
