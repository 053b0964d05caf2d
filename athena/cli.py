"""``python -m athena``: run a named query on the local job output, or open a SQL prompt.

``make query Q=<name> ARGS="from=2026-11-01 to=2026-11-30"`` and ``make sql`` call this.
Errors the user can fix (no output yet, unknown query, bad parameter) exit with 2 and
one line on stderr.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import decimal
import io
import json
import sys
from collections.abc import Sequence
from typing import Any

from athena.catalog import (
    NamedQuery,
    ParamValue,
    QueryError,
    default_values,
    load_query,
    query_names,
)
from athena.local import LocalAthena, QueryResult

USAGE_ERROR = 2
# Short names accepted on the command line for the declared parameters.
ALIASES = {"from": "date_from", "to": "date_to", "offset": "page_offset", "limit": "page_limit"}
FORMATS = ("table", "csv", "json")


def text(value: Any) -> str:
    """A cell as text: dates ISO, decimals exact, NULL as empty."""
    if value is None:
        return ""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(text(item) for item in value) + "]"
    return str(value)


def format_table(result: QueryResult) -> str:
    """Aligned columns, numbers to the right, and a row count."""
    cells = [[text(value) for value in row] for row in result.rows]
    widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(result.columns)]
    numeric = [
        all(
            isinstance(row[i], int | float | decimal.Decimal)
            for row in result.rows
            if row[i] is not None
        )
        for i in range(len(result.columns))
    ]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ).rstrip()

    rows = [line(result.columns), line(["-" * w for w in widths]), *(line(row) for row in cells)]
    count = len(result.rows)
    return "\n".join([*rows, f"({count} row{'' if count == 1 else 's'})"])


def format_csv(result: QueryResult) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(result.columns)
    writer.writerows([text(value) for value in row] for row in result.rows)
    return buffer.getvalue().rstrip("\n")


def _json_value(value: Any) -> Any:
    """JSON-safe: decimals as exact strings (like Athena's API), dates ISO."""
    if isinstance(value, decimal.Decimal | dt.date | dt.datetime):
        return text(value)
    if isinstance(value, list | tuple):
        return [_json_value(item) for item in value]
    return value


def format_json(result: QueryResult) -> str:
    records = [{k: _json_value(v) for k, v in record.items()} for record in result.records()]
    return json.dumps(records, indent=2, ensure_ascii=False)


FORMATTERS = {"table": format_table, "csv": format_csv, "json": format_json}


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
    commands.add_parser(
        "sql", parents=[common], help="interactive Athena SQL prompt over the output"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    # name=value pairs may follow options (``make query`` appends --output last).
    args, extra = parser.parse_known_args(argv)
    if extra and (args.command != "query" or any(item.startswith("-") for item in extra)):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "query":
        args.params = [*args.params, *extra]
    try:
        if args.command == "sql":
            from athena.repl import AthenaShell

            AthenaShell(LocalAthena(args.output)).loop()
            return 0
        return run_query(args)
    except QueryError as err:
        print(f"error: {err}", file=sys.stderr)
        return USAGE_ERROR
