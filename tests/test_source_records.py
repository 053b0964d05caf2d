"""``rejected_orders.source_record``: a rejected record's position in its file, through the
real reader, however the file is split across read partitions and on both read paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from job.read import inspect_input, read_raw_orders
from table_format.session import applied
from table_format.storage import Storage
from tests.builders import INGESTED_AT, RUN_DATE
from transforms.staging import rejected_rows, stage_orders

HEADER = "order_id,client_id,product_id,channel,quantity,unit_price,status,order_date\n"


def line(order_id: str, quantity: str = "1") -> str:
    return f"{order_id},C1,P1,online,{quantity},1.00,pending,2026-11-20\n"


def rejected_records(spark: SparkSession, folder: Path) -> dict[str, int]:
    """order_id -> source_record of every rejected row read from ``folder``."""
    files = inspect_input(Storage(spark), str(folder))
    rows = (
        read_raw_orders(spark, files)
        .transform(stage_orders(RUN_DATE, INGESTED_AT))
        .transform(rejected_rows(RUN_DATE))
        .collect()
    )
    return {row["order_id"]: row["source_record"] for row in rows}


def test_a_rejected_record_is_numbered_by_its_position_among_the_files_records(
    spark: SparkSession, tmp_path: Path
) -> None:
    """Blank lines are not records; numbering starts after the header at 1."""
    body = [line(f"A{n}", "x" if n % 3 == 0 else "1") for n in range(1, 13)]
    text = HEADER + "".join(body[:4]) + "\n   \n" + "".join(body[4:])
    (tmp_path / "a.csv").write_text(text)
    assert rejected_records(spark, tmp_path) == {"A3": 3, "A6": 6, "A9": 9, "A12": 12}


def test_records_are_numbered_across_every_piece_a_split_file_is_read_in(
    spark: SparkSession, tmp_path: Path
) -> None:
    """A file split into many read partitions, next to another packed with it: each file's
    records count from 1, in file order."""
    first = [line(f"B{n:03}", "x" if n % 7 == 0 else "1") for n in range(1, 201)]
    (tmp_path / "b.csv").write_text(HEADER + "".join(first[:50]) + "\n" + "".join(first[50:]))
    (tmp_path / "c.csv").write_text(HEADER + line("C1") + line("C2", "-1"))
    with applied(spark, {"spark.sql.files.maxPartitionBytes": "512"}):
        numbers = rejected_records(spark, tmp_path)
    wanted = {f"B{n:03}": n for n in range(7, 201, 7)}
    assert numbers == {**wanted, "C2": 2}


def test_records_spanning_lines_are_numbered_as_one_record_each(
    spark: SparkSession, tmp_path: Path
) -> None:
    """The record-by-record path (a quoted line break): a record counts once, whatever
    lines it spans, and blank records between them do not count."""
    text = (
        HEADER
        + 'D1,C1,P1,online,1,1.00,"pending\nlate",2026-11-20\n'
        + "\n"
        + line("D2", "x")
        + "\n\n"
        + 'D3,C1,P1,online,x,1.00,"pending",2026-11-20\n'
    )
    (tmp_path / "d.csv").write_text(text)
    assert rejected_records(spark, tmp_path) == {"D1": 1, "D2": 2, "D3": 3}


@pytest.mark.parametrize("split_bytes", ["256", str(128 * 1024 * 1024)])
def test_identical_rejected_records_keep_a_row_each(
    spark: SparkSession, tmp_path: Path, split_bytes: str
) -> None:
    """The same bad line three times: three rows, numbered apart (rejected_orders' key)."""
    (tmp_path / "e.csv").write_text(HEADER + line("E1", "x") * 3 + line("E2") * 8)
    files = inspect_input(Storage(spark), str(tmp_path))
    with applied(spark, {"spark.sql.files.maxPartitionBytes": split_bytes}):
        rows = (
            read_raw_orders(spark, files)
            .transform(stage_orders(RUN_DATE, INGESTED_AT))
            .transform(rejected_rows(RUN_DATE))
            .collect()
        )
    assert sorted((r["order_id"], r["source_record"]) for r in rows) == [
        ("E1", 1),
        ("E1", 2),
        ("E1", 3),
        ("E2", 5),
        ("E2", 6),
        ("E2", 7),
        ("E2", 8),
        ("E2", 9),
        ("E2", 10),
        ("E2", 11),
    ]
