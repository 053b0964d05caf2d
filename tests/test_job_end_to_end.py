"""The Glue entry script's main() on real folders: sample run, upserts across runs,
idempotent re-runs, touched-partition rewrites, file-level rejects and failures."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession

from glue_jobs.process_orders import main
from tests.builders import read_output_table
from tests.conftest import SAMPLE_DIR
from tests.oracle import sample_orders
from tests.output import (
    copy_output,
    key_problems,
    key_problems_in,
    partition_files,
    referenced_parquet,
    stored_parquet,
    table_rows,
)
from transforms.tables import TABLES

HEADER = "order_id,client_id,product_id,channel,quantity,unit_price,status,order_date\n"


def run_job(input_path: Path, output: Path, *extra: str) -> dict[str, Any]:
    return main(
        ["process_orders.py", "--input_path", str(input_path), "--output_path", str(output), *extra]
    )


def parquet_files(output: Path) -> dict[str, list[str]]:
    """``<table>/<partition>`` -> the names of the files its manifest lists."""
    return {
        f"{name}/{partition}": sorted(Path(f).name for f in files)
        for name in TABLES
        for partition, files in partition_files(output / name).items()
    }


@pytest.fixture(scope="module")
def sample_run(sample_output: Path) -> tuple[Path, dict]:
    """The shared session run on data/sample and its report as written to _runs/."""
    return sample_output, json.loads((sample_output / "_runs" / "sample-1.json").read_text())


def test_sample_run_report_accounts_for_every_file_and_row(sample_run: tuple[Path, dict]) -> None:
    _, report = sample_run
    assert report["status"] == "succeeded"
    assert report["totals"] == {
        "files": 5,
        "files_ok": 3,
        "files_rejected": 1,
        "files_skipped": 1,
        "rows_read": 30,
        "rows_valid": 21,
        "rows_rejected": 9,
    }
    for entry in report["files"]:
        assert entry["rows_read"] == entry["rows_valid"] + entry["rows_rejected"]
        assert entry["rows_rejected"] == sum(entry["rejected_by_reason"].values())
    by_name = {Path(e["path"]).name: e for e in report["files"]}
    assert by_name["2026-11-22_legacy_export.csv"]["reason"] == "missing_columns"
    assert by_name["README.md"]["status"] == "skipped"
    assert by_name["2026-11-21_tienda_pedidos.csv"]["rejected_by_reason"] == {
        "invalid_date": 1,
        "invalid_encoding": 1,
    }


def test_sample_run_writes_every_row_somewhere(
    spark: SparkSession, sample_run: tuple[Path, dict]
) -> None:
    output, report = sample_run
    rejected = table_rows(spark, output, "rejected_orders")
    assert len(rejected) == report["totals"]["rows_rejected"]
    # 21 valid lines, 4 of them updates of earlier lines: 17 distinct order lines.
    fields = ["order_id", "client_id", "product_id", "channel", "quantity", "unit_price"]
    fields += ["line_total", "status", "order_date"]
    orders = read_output_table(spark, output, "orders").select(*fields).collect()
    expected = sorted(tuple(line[f] for f in fields) for line in sample_orders())
    assert sorted(tuple(r) for r in orders) == expected


def test_every_table_holds_one_row_per_key(
    spark: SparkSession, sample_run: tuple[Path, dict]
) -> None:
    """Each table's declared key (transforms.tables) names one row, never null."""
    assert key_problems(spark, sample_run[0]) == {}


def test_the_key_check_finds_a_repeated_and_a_null_key(spark: SparkSession) -> None:
    schema = "order_date string, client_id string, n int"
    frame = spark.createDataFrame(
        [("d1", "C1", 1), ("d1", "C1", 2), ("d1", None, 3), ("d2", "C1", 4)], schema
    )
    found = key_problems_in(frame, ("order_date", "client_id"))
    assert found == [
        "{'order_date': 'd1', 'client_id': 'C1'} has 2 rows",
        "1 rows with a null key column",
    ]


def test_every_table_declares_a_key_of_its_columns() -> None:
    """rejected_orders too: identical rejected records differ in their record number."""
    assert all(t.key and set(t.key) <= set(t.schema.fieldNames()) for t in TABLES.values())


def test_one_parquet_file_per_partition_and_no_file_left_unreferenced(
    sample_run: tuple[Path, dict],
) -> None:
    output, _ = sample_run
    files = parquet_files(output)
    assert files and all(len(names) == 1 for names in files.values())
    assert stored_parquet(output) == referenced_parquet(output)


def test_update_file_moves_a_line_to_its_new_partition(
    spark: SparkSession, sample_run: tuple[Path, dict]
) -> None:
    output, _ = sample_run
    located = {(r[0], r[2]): (str(r[10]), r[11], r[6]) for r in table_rows(spark, output, "orders")}
    assert located[("ORD-1008", "P0001")] == ("2026-11-22", "store", "delivered")
    assert located[("ORD-1005", "P0002")] == ("2026-11-21", "phone", "cancelled")


def test_aggregates_reflect_updates(spark: SparkSession, sample_run: tuple[Path, dict]) -> None:
    output, _ = sample_run
    by_client = {(r[0], str(r[4])): r[1:4] for r in table_rows(spark, output, "sales_by_client")}
    # ORD-1005 was cancelled by the update file: still an order, no longer a sale.
    assert by_client[("C00105", "2026-11-21")] == (1, 0, 0)
    status = {
        (r[0], r[1], str(r[6])): r[2:6] for r in table_rows(spark, output, "order_status_daily")
    }
    assert ("online", "shipped", "2026-11-21") not in status  # ORD-1008 moved away
    assert status[("store", "delivered", "2026-11-22")][0] == 1


def test_rerun_of_same_input_changes_no_table(
    spark: SparkSession, tmp_path: Path, sample_run: tuple[Path, dict]
) -> None:
    first, _ = sample_run
    output = tmp_path / "out"
    copy_output(first, output)
    before = {name: table_rows(spark, output, name) for name in TABLES}
    first_run = dt.datetime.fromisoformat(
        json.loads((first / "_runs" / "sample-1.json").read_text())["started_at"]
    )
    argv = ["process_orders.py", "--input_path", str(SAMPLE_DIR), "--output_path", str(output)]
    # On the first run's date: a re-run on another day records the rejects again (by design).
    report = main([*argv, "--run_id", "sample-2"], now=first_run)
    assert report["status"] == "succeeded"
    assert json.loads((output / "_runs" / "sample-2.json").read_text()) == report
    assert {name: table_rows(spark, output, name) for name in TABLES} == before
    assert all(len(names) == 1 for names in parquet_files(output).values())


def test_a_run_with_nothing_to_load_changes_no_table_and_runs_no_spark_job(
    spark: SparkSession, tmp_path: Path, sample_run: tuple[Path, dict]
) -> None:
    """An upload folder holding only files rejected whole (or nothing): every file gets its
    verdict, no partition is rewritten, and Spark is not asked for a single job."""
    first, _ = sample_run
    output = copy_output(first, tmp_path / "out")
    manifests = {p: p.read_text() for p in output.rglob("manifest")}
    uploads = tmp_path / "in"
    uploads.mkdir()
    (uploads / "notes.txt").write_text("not an order file\n")
    (uploads / "orders.csv").write_text("id,when\n1,today\n")
    sc = spark.sparkContext
    sc.setJobGroup("nothing-to-load", "a run with no loadable file")
    try:
        report = run_job(uploads, output)
    finally:
        sc.setLocalProperty("spark.jobGroup.id", None)  # type: ignore[arg-type]
    assert report["status"] == "succeeded" and report["partitions_written"] == {}
    assert [f["status"] for f in report["files"]] == ["skipped", "rejected"]  # path order
    assert sc.statusTracker().getJobIdsForGroup("nothing-to-load") == []
    assert {p: p.read_text() for p in output.rglob("manifest")} == manifests


def _write(folder: Path, name: str, *lines: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(HEADER + "".join(f"{line}\n" for line in lines))
    return folder / name


def test_upsert_across_runs_moves_line_and_drops_emptied_partitions(
    spark: SparkSession, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    run_job(_write(tmp_path / "in1", "a.csv", "O1,C1,P1,online,1,2.00,pending,2026-11-20"), output)
    run_job(_write(tmp_path / "in2", "b.csv", "O1,C1,P1,store,1,2.00,shipped,2026-11-21"), output)
    orders = table_rows(spark, output, "orders")
    assert [(r[0], r[6], str(r[10]), r[11]) for r in orders] == [
        ("O1", "shipped", "2026-11-21", "store")
    ]
    assert list(partition_files(output / "orders")) == ["order_date=2026-11-21/channel=store"]
    assert list(partition_files(output / "sales_by_client")) == ["order_date=2026-11-21"]
    assert [str(r[4]) for r in table_rows(spark, output, "sales_by_client")] == ["2026-11-21"]
    for name in ("order_status_daily", "sales_by_product_channel"):
        assert {str(r[-1]) for r in table_rows(spark, output, name)} == {"2026-11-21"}


def test_only_touched_partitions_are_rewritten(spark: SparkSession, tmp_path: Path) -> None:
    output = tmp_path / "out"
    run_job(
        _write(
            tmp_path / "in1",
            "a.csv",
            "O1,C1,P1,online,1,2.00,pending,2026-11-20",
            "O2,C1,P1,online,1,2.00,pending,2026-11-21",
        ),
        output,
    )
    before = parquet_files(output)
    run_job(_write(tmp_path / "in2", "b.csv", "O2,C1,P1,online,1,2.00,shipped,2026-11-21"), output)
    after = parquet_files(output)
    untouched = "orders/order_date=2026-11-20/channel=online"
    assert after[untouched] == before[untouched]
    touched = "orders/order_date=2026-11-21/channel=online"
    assert after[touched] != before[touched]


def test_rejected_file_does_not_stop_other_files(
    spark: SparkSession, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    _write(folder, "good.csv", "O1,C1,P1,online,1,2.00,pending,2026-11-20")
    (folder / "bad.csv").write_text("order_id;client_id\nO2;C2\n")
    report = run_job(folder, tmp_path / "out")
    assert [(Path(f["path"]).name, f["status"]) for f in report["files"]] == [
        ("bad.csv", "rejected"),
        ("good.csv", "ok"),
    ]
    assert len(table_rows(spark, tmp_path / "out", "orders")) == 1
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [e["event"] for e in events if e["logger"] != "py4j"] == [
        "run started",
        "lease taken",
        "file result",
        "file result",
        "run committed",
        *["partitions written"] * len(TABLES),
        "commit timed",
        "swept",
        "lease released",
        "run finished",
    ]
    assert events[2]["reason"] == "missing_columns"
    assert events[-1]["rows_read"] == 1


def test_rejected_path_option_moves_quarantine(spark: SparkSession, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    _write(folder, "a.csv", "O1,C1,P1,fax,1,2.00,pending,2026-11-20")
    quarantine = tmp_path / "quarantine"
    run_job(folder, tmp_path / "out", "--rejected_path", str(quarantine / "rejected_orders"))
    assert not (tmp_path / "out" / "rejected_orders").exists()
    rejected = read_output_table(spark, quarantine, "rejected_orders").collect()
    assert [(r.order_id, r.reject_reason) for r in rejected] == [("O1", "unknown_channel")]


def test_failed_run_exits_nonzero_and_leaves_tables_untouched(
    spark: SparkSession, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    output.mkdir()
    (output / "orders").write_text("not a folder")  # reading the orders table will fail
    folder = _write(tmp_path / "in", "a.csv", "O1,C1,P1,online,1,2.00,pending,2026-11-20")
    with pytest.raises(SystemExit) as failure:
        run_job(folder, output, "--run_id", "broken-1")
    assert "run broken-1 failed" in str(failure.value)
    assert not parquet_files(output)
    assert not stored_parquet(output)
    report = json.loads((output / "_runs" / "broken-1.json").read_text())
    assert report["status"] == "failed" and report["error"]


def test_missing_input_fails_with_clear_reason(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="input path not found"):
        run_job(tmp_path / "nowhere", tmp_path / "out")


def test_missing_argument_fails_with_clear_reason() -> None:
    with pytest.raises(SystemExit, match="bad job arguments"):
        main(["process_orders.py", "--input_path", "x"])


@pytest.mark.parametrize("value", ["1999-12-31", "2025-13-01", "soon", "2999-01-01"])
def test_a_first_order_date_outside_the_contract_fails_with_clear_reason(value: str) -> None:
    argv = ["process_orders.py", "--input_path", "x", "--output_path", "y"]
    with pytest.raises(SystemExit, match="--first_order_date must be a yyyy-MM-dd date from"):
        main([*argv, "--first_order_date", value])


def test_records_spanning_lines_are_counted_once_per_file(
    spark: SparkSession, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    notes_header = HEADER.rstrip("\n") + ",notes\n"
    folder.mkdir()
    (folder / "a_notes.csv").write_text(
        notes_header
        + 'O1,C1,P1,online,1,2.00,pending,2026-11-20,"call first\nthen ring, twice"\n'
        + "\n"
        + 'O2,C1,P2,online,1,2.00,pending,2026-11-20,"say ""hi"""\n'
        + 'O3,C1,P3,online,1,2.00,"shipped\n",2026-11-20,\n'
    )
    (folder / "b_tienda.csv").write_bytes(
        (
            "\ufeffnotas;order_id;client_id;product_id;channel;quantity;unit_price;status;"
            "order_date\r\n"
            '"Entregar\r\nantes; llamar";O4;C2;P1;phone;2;1.234,50;pending;20/11/2026\r\n'
            ";O5;C2;P2;phone;1;3,00;pending;20/11/2026\r\n"
        ).encode()
    )
    (folder / "c_cut.csv").write_text(
        notes_header
        + "O6,C3,P1,store,1,2.00,pending,2026-11-20,\n"
        + 'O7,C3,P2,store,1,2.00,pending,2026-11-20,"never closed\n'
    )
    _write(folder, "d_plain.csv", "O8,C4,P1,online,1,2.00,pending,2026-11-20")
    output = tmp_path / "out"
    report = run_job(folder, output)
    counts = {
        Path(f["path"]).name: (f["rows_read"], f["rows_valid"], f["rejected_by_reason"])
        for f in report["files"]
    }
    assert counts == {
        "a_notes.csv": (3, 2, {"unknown_status": 1}),
        "b_tienda.csv": (2, 2, {}),
        "c_cut.csv": (2, 1, {"unterminated_quote": 1}),
        "d_plain.csv": (1, 1, {}),
    }
    rejected = table_rows(spark, output, "rejected_orders")
    assert [(r[0], r[6], r[8], Path(r[10]).name) for r in rejected] == [
        ("O3", "shipped\n", "unknown_status", "a_notes.csv"),
        ("O7", "pending", "unterminated_quote", "c_cut.csv"),
    ]
    assert [r[0] for r in table_rows(spark, output, "orders")] == [
        "O1",
        "O2",
        "O4",
        "O5",
        "O6",
        "O8",
    ]
