"""Reader: real files on disk through Spark's CSV reader."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from job.read import inspect_input, read_raw_orders
from table_format.storage import Storage

COMMA = "order_id,client_id,product_id,channel,quantity,unit_price,status,order_date\n"


@pytest.fixture(scope="module")
def input_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("in")
    (folder / "a.csv").write_text(
        COMMA
        + 'O1,C1,P1,online,1,"1.50",pending,2026-11-20\n'
        + "\n   \n"  # blank lines are ignored
        + "O2,C1,P1,store,2,3.00,shipped,2026-11-20\n"
    )
    spanish = (
        "\ufeffStatus;extra;Order_Date;ORDER_ID;client_id;product_id;channel;quantity;unit_price\r\n"
        "Pending;x;20/11/2026;O3;C2;P2;phone;3;1.234,50\r\n"
    )
    (folder / "b.CSV").write_bytes(
        spanish.encode("utf-8") + b"pending;y;20/11/2026;O4;C\xff;P2;phone;3;1,00\r\n"
    )
    (folder / "c.csv").write_text("order_id,client_id\nO5,C5\n")
    (folder / "notes.txt").write_text("not an order file")
    (folder / "empty.csv").write_text("")
    (folder / "header_only.csv").write_text(COMMA)
    return folder


@pytest.fixture(scope="module")
def files(spark: SparkSession, input_dir: Path) -> list:
    return inspect_input(Storage(spark), str(input_dir))


def test_verdict_per_file_in_path_order(files: list) -> None:
    verdicts = [(Path(f.path).name, f.status, f.reason) for f in files]
    assert verdicts == [
        ("a.csv", "ok", None),
        ("b.CSV", "ok", None),
        ("c.csv", "rejected", "missing_columns"),
        ("empty.csv", "rejected", "empty_file"),
        ("header_only.csv", "ok", None),
        ("notes.txt", "skipped", "not_csv"),
    ]


def test_reads_each_layout_with_its_own_delimiter_and_column_order(
    spark: SparkSession, files: list
) -> None:
    rows = read_raw_orders(spark, files).orderBy("order_id").collect()
    got = [
        (r.order_id, r.client_id, r.status, r.unit_price, r.order_date, r.source_delimiter)
        for r in rows
    ]
    assert got == [
        ("O1", "C1", "pending", "1.50", "2026-11-20", ","),
        ("O2", "C1", "shipped", "3.00", "2026-11-20", ","),
        ("O3", "C2", "Pending", "1.234,50", "20/11/2026", ";"),
        ("O4", "C\ufffd", "pending", "1,00", "20/11/2026", ";"),
    ]


def test_source_file_is_the_listed_path(spark: SparkSession, files: list) -> None:
    listed = {f.path for f in files}
    read = {
        r.source_file
        for r in read_raw_orders(spark, files).select("source_file").distinct().collect()
    }
    with_rows = {f.path for f in files if Path(f.path).name in ("a.csv", "b.CSV")}
    assert with_rows <= listed  # the names Spark reports are the listed paths, unchanged
    assert read == with_rows


def test_missing_input_path_fails_clearly(spark: SparkSession, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="input path not found"):
        inspect_input(Storage(spark), str(tmp_path / "nope"))
