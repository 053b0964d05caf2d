"""Any name a file system or S3 allows is read, and reported as uploaded
(docs/data_contract.md, "File names"): spaces, ``( ) [ ] { } % # + , ' ;``, ``*`` and ``?``,
accents and non-Latin letters, an upper-case ``.CSV``, nested folders with such names.

Hadoop treats ``[ ] { } * ?`` as glob characters and Spark percent-encodes the names it
reports, so each of these used to fail the whole run, the well-named files with it."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession

from glue_jobs.process_orders import main
from scripts.run_summary import render
from tests.output import table_frame

HEADER = "order_id,client_id,product_id,channel,quantity,unit_price,status,order_date\n"
NAMES = [
    "Pedidos noviembre (1).csv",
    "orders [final].csv",
    "ventas 50%.csv",
    "año 2025/pedidos.csv",
    "a+b, it's; done.csv",
    "weird #1 {x}.csv",
    "star*and?mark.csv",
    "注文 заказы.csv",
    "SHOUTING.CSV",
    "%41literal.csv",
    "nested [1]/{deeper} 50%/x y.csv",
]
CLOCK = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)
UPLOADED = dt.datetime(2026, 11, 21, 8, 0).timestamp()


def order_line(n: int, status: str) -> str:
    return f"O{n},C{n},P1,online,1,2.00,{status},2026-11-20\n"


def write_inputs(folder: Path, status: str, uploaded: float) -> None:
    """One good line per name (order O<n>), and one bad line (a zero quantity)."""
    for n, name in enumerate(NAMES):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            HEADER + order_line(n, status) + f"B{n},C1,P1,online,0,2.00,pending,2026-11-20\n"
        )
        os.utime(path, (uploaded, uploaded))


def run(input_path: Path, output: Path, run_id: str) -> dict[str, Any]:
    argv = ["process_orders.py", "--input_path", str(input_path), "--output_path", str(output)]
    return main([*argv, "--run_id", run_id], now=CLOCK)


@pytest.fixture(scope="module")
def named_run(tmp_path_factory: pytest.TempPathFactory, spark: SparkSession) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("names")
    inputs, output = base / "in", base / "out"
    write_inputs(inputs, "pending", UPLOADED)
    report = run(inputs, output, "names-1")
    expected = {f"file:{inputs / name}" for name in NAMES}
    return {"inputs": inputs, "output": output, "report": report, "expected": expected}


def test_every_odd_name_loads_and_the_report_shows_it_as_uploaded(named_run: dict) -> None:
    files = {entry["path"]: entry for entry in named_run["report"]["files"]}
    assert set(files) == named_run["expected"]
    assert {e["status"] for e in files.values()} == {"ok"}
    assert all(e["rows_valid"] == 1 and e["rows_rejected"] == 1 for e in files.values())
    written = json.loads((named_run["output"] / "_runs" / "names-1.json").read_text())
    assert {e["path"] for e in written["files"]} == named_run["expected"]


def test_orders_and_rejected_orders_name_each_file_as_uploaded(
    spark: SparkSession, named_run: dict
) -> None:
    output = named_run["output"]
    orders = {(r[0], r[-1]) for r in _with_source(spark, output, "orders")}
    assert orders == {
        (f"O{n}", f"file:{named_run['inputs'] / name}") for n, name in enumerate(NAMES)
    }
    rejected = {(r[0], r[-1]) for r in _with_source(spark, output, "rejected_orders")}
    assert rejected == {
        (f"B{n}", f"file:{named_run['inputs'] / name}") for n, name in enumerate(NAMES)
    }


def test_the_run_summary_prints_each_name_as_uploaded(named_run: dict) -> None:
    text = render(named_run["report"])
    for name in NAMES:
        assert name in text


def test_a_file_sent_again_under_the_same_odd_name_updates_its_lines_in_place(
    spark: SparkSession, tmp_path: Path
) -> None:
    inputs, output = tmp_path / "in", tmp_path / "out"
    write_inputs(inputs, "pending", UPLOADED)
    run(inputs, output, "resend-1")
    write_inputs(inputs, "shipped", UPLOADED + 3600)  # the same names, a newer upload
    report = run(inputs, output, "resend-2")
    assert {e["status"] for e in report["files"]} == {"ok"}
    rows = {r[0]: r for r in _with_source(spark, output, "orders")}
    assert sorted(rows) == sorted(f"O{n}" for n in range(len(NAMES)))  # updated, not added
    for n, name in enumerate(NAMES):
        assert "shipped" in rows[f"O{n}"]
        assert rows[f"O{n}"][-1] == f"file:{inputs / name}"


def _with_source(spark: SparkSession, output: Path, table: str) -> list[tuple[Any, ...]]:
    """Rows of a table as (first column, every other column…, source_file)."""
    frame = table_frame(spark, output, table)
    columns = [c for c in frame.columns if c != "source_file"]
    return [tuple(r) for r in frame.select(*columns, "source_file").collect()]
