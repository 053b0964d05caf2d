"""``python -m athena`` (``make query``, ``make sql``) on the sample output: formats,
defaults, exit codes, and the interactive prompt fed from a string."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from athena.cli import main
from athena.local import LocalAthena
from athena.repl import AthenaShell
from tests import oracle

STATUS_COLUMNS = ["status", "channel", "order_count", "line_count", "units", "amount"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_query_prints_a_readable_table(
    capsys: pytest.CaptureFixture[str], sample_output: Path
) -> None:
    window = ["from=2026-11-20", "to=2026-11-22"]
    code, out, _ = run(
        capsys, "query", "order_status_report", *window, "--output", str(sample_output)
    )
    values = {"date_from": "2026-11-20", "date_to": "2026-11-22", "channel": None}
    expected = oracle.order_status_report(oracle.sample_orders(), values)
    lines = out.splitlines()
    assert code == 0
    assert lines[0].split() == STATUS_COLUMNS
    assert set(lines[1]) == {"-", " "}
    assert lines[-1] == f"({len(expected)} rows)"
    assert [line.split() for line in lines[2:-1]] == [[str(v) for v in row] for row in expected]


def test_query_takes_short_names_and_csv(
    capsys: pytest.CaptureFixture[str], sample_output: Path
) -> None:
    argv = ["query", "sales_by_product", "from=2026-11-21", "to=2026-11-21", "channel=store"]
    code, out, _ = run(capsys, *argv, "--format", "csv", "--output", str(sample_output))
    rows = list(csv.reader(io.StringIO(out)))
    assert code == 0
    # 2026-11-21 in store: ORD-2001 (P0001, P0006) and ORD-2002 (P0003), all delivered
    assert rows == [
        ["product_id", "channel", "units", "revenue", "order_count"],
        ["P0006", "store", "1", "1234.50", "1"],
        ["P0003", "store", "5", "94.50", "1"],
        ["P0001", "store", "24", "50.40", "1"],
    ]


def test_query_json_keeps_decimals_exact(
    capsys: pytest.CaptureFixture[str], sample_output: Path
) -> None:
    argv = ["query", "orders_by_client", "client_id=C00104", "from=2026-11-20", "to=2026-11-22"]
    argv += ["limit=1", "--format", "json"]
    code, out, _ = run(capsys, *argv, "--output", str(sample_output))
    records = json.loads(out)
    assert code == 0
    assert records == [
        {
            "order_id": "ORD-2002",
            "order_date": "2026-11-21",
            "channel": "store",
            "client_id": "C00104",
            "line_count": 1,
            "units": 5,
            "order_total": "94.50",
            "statuses": "delivered",
        }
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["query", "nope"], "unknown query 'nope'"),
        (["query", "orders_by_client"], "parameter client_id (varchar) is required"),
        (["query", "sales_by_product", "from=yesterday"], "date_from must be a date"),
        (["query", "sales_by_product", "limit=5"], "unknown parameter(s): page_limit"),
        (["query", "sales_by_product", "channel"], "expected name=value, got 'channel'"),
    ],
)
def test_user_errors_exit_2_with_one_clear_line(
    capsys: pytest.CaptureFixture[str], sample_output: Path, argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv, "--output", str(sample_output))
    assert (code, out) == (2, "")
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_empty_output_exits_2_and_says_to_run_the_job(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "query", "total_orders_by_client", "--output", str(tmp_path))
    assert code == 2 and "run the job first (make run)" in err


def test_query_without_a_name_lists_the_queries_and_their_parameters(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "query")
    assert code == 0
    assert "orders_by_client(client_id varchar, date_from date, date_to date" in out
    assert "sales_by_product(date_from date, date_to date, channel varchar optional)" in out


def test_sql_prompt_translates_athena_sql_and_survives_errors(local_athena: LocalAthena) -> None:
    script = "\n".join(
        [
            "SELECT client_id, COUNT(*) AS total_orders",
            "FROM processed_orders GROUP BY client_id",
            "ORDER BY client_id LIMIT 2;",
            "SELECT no_such_column FROM orders;",
            "SELECT ARRAY_JOIN(ARRAY_SORT(ARRAY_AGG(DISTINCT channel)), '|') AS c FROM orders;",
            "help",
            "quit",
            "SELECT 'never run';",
        ]
    )
    out = io.StringIO()
    AthenaShell(local_athena, stdin=io.StringIO(script + "\n"), stdout=out).cmdloop()
    text = out.getvalue()
    lines = [line.split() for line in text.splitlines()]
    # the first two clients by id and their order lines in the sample, counted by hand
    assert ["C00101", "3"] in lines and ["C00102", "1"] in lines, text
    assert ["C00103", "3"] not in lines  # LIMIT 2
    assert "error: " in text and "no_such_column" in text
    assert "distributor|online|phone|store" in text
    assert "Tables and views: orders" in text
    assert "never run" not in text


def test_sql_command_runs_athena_sql_without_a_prompt_as_json_and_csv(
    capsys: pytest.CaptureFixture[str], sample_output: Path, local_athena: LocalAthena
) -> None:
    sql = "SELECT client_id, COUNT(*) AS total_orders FROM processed_orders GROUP BY client_id"
    expected = local_athena.execute(
        "SELECT client_id, COUNT(*) FROM orders GROUP BY client_id ORDER BY client_id"
    ).rows
    code, out, err = run(
        capsys, "sql", "-c", f"{sql} ORDER BY client_id;", "--format", "json",
        "--output", str(sample_output),
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert [(r["client_id"], r["total_orders"]) for r in json.loads(out)] == expected
    code, out, _ = run(capsys, "sql", "--output", str(sample_output), "--format", "csv", "-c", sql)
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["client_id", "total_orders"] and len(rows) == len(expected) + 1


def test_sql_command_prints_every_statement_that_returns_rows(
    capsys: pytest.CaptureFixture[str], sample_output: Path
) -> None:
    code, out, _ = run(
        capsys, "sql", "--output", str(sample_output), "-c", "SELECT 1 AS a; SELECT 2 AS b"
    )
    assert code == 0
    assert out.splitlines()[0] == "a" and "b" in out.splitlines() and out.count("(1 row)") == 2


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELEC nonsense", "syntax error"),
        ("SELECT no_such_column FROM orders", "no_such_column"),
        ("SELECT * FROM no_such_table", "no_such_table"),
    ],
)
def test_bad_sql_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], sample_output: Path, sql: str, message: str
) -> None:
    code, out, err = run(capsys, "sql", "-c", sql, "--output", str(sample_output))
    assert (code, out) == (2, "")
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("sql", "construct"),
    [
        ("SELECT quantity::bigint AS q FROM orders", "'::' cast"),
        ("SELECT * FROM orders WHERE client_id ILIKE 'c001%'", "ILIKE"),
        ("SELECT * FROM orders ORDER BY order_id LIMIT 2 OFFSET 1", "LIMIT before OFFSET"),
        ("SELECT list_distinct(array_agg(channel)) AS c FROM orders", "list_distinct()"),
        ("SELECT strftime(order_date, '%Y') AS y FROM orders", "strftime()"),
        ("SELECT * FROM orders WHERE order_date >= '2026-11-21'", "a date compared with a string"),
        (
            "SELECT * FROM processed_orders WHERE order_date BETWEEN '2026-11-20' AND '2026-11-21'",
            "a date compared with a string",
        ),
    ],
)
def test_sql_athena_would_refuse_exits_2_naming_the_construct(
    capsys: pytest.CaptureFixture[str], sample_output: Path, sql: str, construct: str
) -> None:
    """Each of these runs in DuckDB, and Athena (Trino) refuses it: make sql says which part,
    on one line, rather than answer what Athena never would."""
    code, out, err = run(capsys, "sql", "-c", sql, "--output", str(sample_output))
    assert (code, out) == (2, "")
    assert err.startswith("error: Athena would refuse this: ") and construct in err, err
    assert "--duckdb" in err and err.count("\n") == 1


def test_the_athena_forms_of_the_same_sql_run(
    capsys: pytest.CaptureFixture[str], sample_output: Path
) -> None:
    for sql in [
        "SELECT CAST(quantity AS bigint) AS q FROM orders",
        "SELECT * FROM orders WHERE lower(client_id) LIKE 'c001%'",
        "SELECT * FROM orders ORDER BY order_id OFFSET 1 LIMIT 2",
        "SELECT array_distinct(array_agg(channel)) AS c FROM orders",
        "SELECT date_format(order_date, '%Y') AS y FROM orders",
        "SELECT * FROM orders WHERE order_date >= DATE '2026-11-21'",
    ]:
        code, _, err = run(capsys, "sql", "-c", sql, "--output", str(sample_output))
        assert (code, err) == (0, ""), sql


def test_duckdb_flag_runs_duckdb_sql_as_written(
    capsys: pytest.CaptureFixture[str], sample_output: Path
) -> None:
    sql = "SELECT quantity::bigint AS q FROM orders ORDER BY q LIMIT 1 OFFSET 0"
    code, out, err = run(capsys, "sql", "--duckdb", "-c", sql, "--output", str(sample_output))
    assert (code, err) == (0, "") and out.splitlines()[0] == "q"
