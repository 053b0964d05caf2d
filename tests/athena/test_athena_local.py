"""LocalAthena (DuckDB over the job's Parquet): partition pruning, clear errors, and tables
that exist before the job has written them, as in Athena."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from athena.catalog import QueryError, default_values, load_query
from athena.local import LocalAthena, OutputMissingError, to_duckdb
from tests.output import copy_output, partition_files
from transforms.tables import TABLES


def test_date_range_filter_prunes_partition_files_in_duckdb(
    local_athena: LocalAthena, sample_output: Path
) -> None:
    query = load_query("sales_by_product")
    values = query.bind({"date_from": "2026-11-21", "date_to": "2026-11-21"})
    plan = local_athena.connection.execute(
        "EXPLAIN " + to_duckdb(query.sql), {f"p{n}": v for n, v in enumerate(values, 1)}
    ).fetchall()[0][1]
    all_days = len(partition_files(sample_output / "sales_by_product_channel"))
    assert re.search(r"File Filters:[\s│]*\(?order_date", plan), plan
    assert f"Scanning Files: 1/{all_days}" in plan, plan


def test_missing_output_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(OutputMissingError, match="does not exist: run the job first"):
        LocalAthena(tmp_path / "nowhere")


def test_empty_output_folder_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "orders" / "_data" / "run-1.abc").mkdir(parents=True)
    (tmp_path / "_runs").mkdir()
    with pytest.raises(OutputMissingError, match=r"no job output in .*run the job first"):
        LocalAthena(tmp_path)


def test_unknown_query_names_the_known_ones(local_athena: LocalAthena) -> None:
    known = "known: order_date_range, order_status_report"
    with pytest.raises(QueryError, match=f"unknown query 'nope'; {known}"):
        local_athena.run("nope")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"date_from": "2026-11-01"}, "parameter client_id \\(varchar\\) is required"),
        ({"client_id": "C1", "date_to": "30/11/2026"}, "date_to must be a date, got '30/11/2026'"),
        ({"client_id": "C1", "page_limit": "ten"}, "page_limit must be a bigint, got 'ten'"),
        ({"client_id": "C1", "page_limit": True}, "page_limit must be a bigint"),
        ({"client_id": "C1", "client": "C2"}, "unknown parameter\\(s\\): client"),
    ],
)
def test_missing_or_mistyped_parameters_are_clear_errors(
    local_athena: LocalAthena, values: dict, message: str
) -> None:
    query = load_query("orders_by_client")
    with pytest.raises(QueryError, match=message):
        local_athena.run(query, {**default_values(query), **values})


def test_defaults_are_the_90_days_up_to_tomorrow_and_the_first_page() -> None:
    today = dt.date(2026, 11, 28)
    window = {"date_from": dt.date(2026, 8, 31), "date_to": dt.date(2026, 11, 29)}
    assert default_values(load_query("orders_by_client"), today) == {
        **window,
        "page_offset": 0,
        "page_limit": 100,
    }
    assert default_values(load_query("total_orders_by_client"), today) == window
    assert default_values(load_query("order_date_range"), today, days=7) == {
        "date_from": dt.date(2026, 11, 22),
        "date_to": dt.date(2026, 11, 29),
    }


def test_a_table_the_job_has_not_written_is_empty_with_its_columns(
    sample_output: Path, tmp_path: Path
) -> None:
    output = copy_output(sample_output, tmp_path / "out")
    for name in TABLES:
        if name != "orders":
            shutil.rmtree(output / name)
    athena = LocalAthena(output)
    result = athena.execute("SELECT * FROM rejected_orders")
    assert result.rows == []
    assert result.columns == [f.name for f in TABLES["rejected_orders"].schema.fields]
    described = {
        r[0]: r[1] for r in athena.connection.execute("DESCRIBE rejected_orders").fetchall()
    }
    assert described["reject_reasons"] == "VARCHAR[]" and described["ingest_date"] == "DATE"
    report = load_query("order_status_report")
    assert athena.run(report, default_values(report)).rows == []


def test_only_files_a_manifest_names_are_read(sample_output: Path, tmp_path: Path) -> None:
    """Like Athena on a symlink table: uncommitted or superseded files are never read."""
    output = copy_output(sample_output, tmp_path / "out")
    listed = next(iter(partition_files(output / "orders").values()))[0]
    stray = output / "orders" / "_data" / "crashed-run.0000" / "order_date=2026-11-21"
    stray.mkdir(parents=True)
    shutil.copy(listed, stray / "part-0.parquet")
    athena = LocalAthena(output)
    total = athena.execute("SELECT COUNT(*) FROM orders").rows[0][0]
    assert total == LocalAthena(sample_output).execute("SELECT COUNT(*) FROM orders").rows[0][0]
