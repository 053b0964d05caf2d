"""Two runs into one output, the path every daily incremental load takes.

Batch 1 loads three days over every channel. Batch 2 (a newer upload) touches one
channel of one day: a status update, a changed quantity and price, a new line, and one
line moving in from another day and channel. After each run, ``orders`` and every daily
table must equal a plain-Python computation over the ``orders`` rows the contract
promises: the untouched channels of a partly touched day must still count.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession

from glue_jobs.process_orders import main
from tests.builders import read_output_table
from tests.oracle import NOT_NET_SALES
from tests.output import key_problems

HEADER = "order_id,client_id,product_id,channel,quantity,unit_price,status,order_date"

BATCH_1 = [
    "A1,C1,P1,online,2,3.50,delivered,2026-11-18",
    "A1,C1,P2,online,1,10.00,delivered,2026-11-18",
    "A2,C2,P1,store,4,3.50,shipped,2026-11-18",
    "A2,C2,P3,store,1,7.25,shipped,2026-11-18",
    "A3,C1,P2,phone,3,10.00,returned,2026-11-18",
    "B1,C1,P1,online,1,3.50,pending,2026-11-19",
    "B1,C1,P3,online,2,7.25,confirmed,2026-11-19",
    "B2,C3,P1,online,5,3.50,delivered,2026-11-19",
    "B3,C2,P2,store,1,10.00,delivered,2026-11-19",
    "B4,C3,P3,distributor,10,6.90,shipped,2026-11-19",
    "B5,C1,P1,store,2,3.50,cancelled,2026-11-19",
    "D1,C2,P1,online,1,3.50,delivered,2026-11-20",
    "D2,C3,P2,phone,2,10.00,confirmed,2026-11-20",
]
# Only 2026-11-19/online, plus the partition A2/P3 leaves (2026-11-18/store).
BATCH_2 = [
    "B1,C1,P1,online,1,3.50,cancelled,2026-11-19",
    "B2,C3,P1,online,6,3.40,delivered,2026-11-19",
    "B6,C2,P2,online,2,10.00,pending,2026-11-19",
    "A2,C2,P3,online,1,7.25,shipped,2026-11-19",
]

Line = dict[str, Any]


def parse(line: str) -> Line:
    order_id, client_id, product_id, channel, quantity, price, status, day = line.split(",")
    return {
        "order_id": order_id,
        "client_id": client_id,
        "product_id": product_id,
        "channel": channel,
        "quantity": int(quantity),
        "unit_price": Decimal(price),
        "line_total": int(quantity) * Decimal(price),
        "status": status,
        "order_date": dt.date.fromisoformat(day),
    }


def expected_orders(*batches: list[str]) -> list[Line]:
    """The contract's orders: one row per (order_id, product_id), the newest upload's.

    ``source`` is the folder of the batch the row came from (``in1``, ``in2``).
    """
    latest: dict[tuple[str, str], Line] = {}
    for number, batch in enumerate(batches, start=1):
        for line in map(parse, batch):
            latest[(line["order_id"], line["product_id"])] = {**line, "source": f"in{number}"}
    return list(latest.values())


def aggregate(lines: Iterable[Line], keys: tuple[str, ...], net_only: bool) -> list[tuple]:
    """One row per ``keys``: distinct orders, lines, units and amount (net sales only if asked)."""
    groups: dict[tuple, list[Line]] = defaultdict(list)
    for line in lines:
        groups[tuple(line[k] for k in keys)].append(line)
    rows = []
    for key, group in groups.items():
        counted = [g for g in group if g["status"] not in NOT_NET_SALES] if net_only else group
        rows.append(
            (
                *key,
                len({g["order_id"] for g in group}),
                len(group),
                sum(g["quantity"] for g in counted),
                sum((g["line_total"] for g in counted), Decimal("0.00")),
            )
        )
    return sorted(rows)


def expected_sales_by_client(lines: list[Line]) -> list[tuple]:
    rows = aggregate(lines, ("order_date", "client_id"), net_only=True)
    return sorted(
        (day, client, orders, units, revenue) for day, client, orders, _, units, revenue in rows
    )


def expected_sales_by_product_channel(lines: list[Line]) -> list[tuple]:
    rows = aggregate(lines, ("order_date", "channel", "product_id"), net_only=True)
    return sorted((d, c, p, orders, units, revenue) for d, c, p, orders, _, units, revenue in rows)


def expected_order_status_daily(lines: list[Line]) -> list[tuple]:
    return aggregate(lines, ("order_date", "channel", "status"), net_only=False)


# The job's row, reordered to the expectation's columns.
JOB_COLUMNS: dict[str, tuple[str, ...]] = {
    "sales_by_client": ("order_date", "client_id", "order_count", "units", "revenue"),
    "sales_by_product_channel": (
        "order_date",
        "channel",
        "product_id",
        "order_count",
        "units",
        "revenue",
    ),
    "order_status_daily": (
        "order_date",
        "channel",
        "status",
        "order_count",
        "line_count",
        "units",
        "amount",
    ),
}
EXPECTED: dict[str, Callable[[list[Line]], list[tuple]]] = {
    "sales_by_client": expected_sales_by_client,
    "sales_by_product_channel": expected_sales_by_product_channel,
    "order_status_daily": expected_order_status_daily,
}
ORDER_FIELDS = (
    "order_id",
    "client_id",
    "product_id",
    "channel",
    "quantity",
    "unit_price",
    "line_total",
    "status",
    "order_date",
)


def write_batch(folder: Path, name: str, lines: list[str], modified: dt.datetime) -> Path:
    folder.mkdir(parents=True)
    path = folder / name
    path.write_text("\n".join([HEADER, *lines]) + "\n")
    stamp = modified.timestamp()
    os.utime(path, (stamp, stamp))  # upload time: batch 2 is the newer upload
    return path


def snapshot(spark: SparkSession, output: Path) -> dict[str, Any]:
    tables = {}
    for name, columns in JOB_COLUMNS.items():
        frame = read_output_table(spark, output, name).select(*columns)
        tables[name] = sorted(tuple(row) for row in frame.collect())
    orders = read_output_table(spark, output, "orders").select(*ORDER_FIELDS, "source_file")
    tables["orders"] = sorted(tuple(row) for row in orders.collect())
    return tables


@pytest.fixture(scope="module")
def two_runs(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """The output's tables after batch 1, then after batch 2, into the same output folder."""
    root = tmp_path_factory.mktemp("multi_run")
    output = root / "out"
    uploaded = dt.datetime(2026, 11, 21, 6, 0, tzinfo=dt.UTC)
    first = write_batch(root / "in1", "batch.csv", BATCH_1, uploaded)
    second = write_batch(root / "in2", "batch.csv", BATCH_2, uploaded + dt.timedelta(hours=1))
    snapshots = []
    for run_id, path in (("multi-1", first), ("multi-2", second)):
        argv = ["process_orders.py", "--input_path", str(path), "--output_path", str(output)]
        report = main([*argv, "--run_id", run_id])
        assert report["status"] == "succeeded", report
        assert report["totals"]["rows_rejected"] == 0, report
        snapshots.append({**snapshot(spark, output), "key_problems": key_problems(spark, output)})
    return snapshots


RUNS = {"after batch 1": (BATCH_1,), "after batch 2": (BATCH_1, BATCH_2)}


@pytest.mark.parametrize("run", range(len(RUNS)), ids=list(RUNS))
def test_every_table_holds_one_row_per_key_after_each_run(two_runs: list[dict], run: int) -> None:
    """The upsert and the marts keep each declared key unique and not null (the key index's
    too: an entry per key and version)."""
    assert two_runs[run]["key_problems"] == {}


@pytest.mark.parametrize("run", range(len(RUNS)), ids=list(RUNS))
def test_orders_hold_the_newest_version_of_every_line(two_runs: list[dict], run: int) -> None:
    lines = expected_orders(*list(RUNS.values())[run])
    expected = sorted((*(line[f] for f in ORDER_FIELDS), line["source"]) for line in lines)
    got = [(*row[:-1], Path(row[-1]).parent.name) for row in two_runs[run]["orders"]]
    assert sorted(got) == expected


@pytest.mark.parametrize("table", list(EXPECTED))
@pytest.mark.parametrize("run", range(len(RUNS)), ids=list(RUNS))
def test_daily_table_equals_a_recount_of_the_orders(
    two_runs: list[dict], run: int, table: str
) -> None:
    lines = expected_orders(*list(RUNS.values())[run])
    assert two_runs[run][table] == EXPECTED[table](lines)


def test_second_run_keeps_the_untouched_channels_of_a_touched_day(two_runs: list[dict]) -> None:
    """Hand-written numbers for the riskiest rows: 2026-11-19 and 2026-11-18 after batch 2."""
    day18, day19 = dt.date(2026, 11, 18), dt.date(2026, 11, 19)
    by_client = {(r[0], r[1]): r[2:] for r in two_runs[1]["sales_by_client"]}
    # C2 on the 19th: B3 (store, untouched) and B6 + the moved A2 line (online).
    assert by_client[(day19, "C2")] == (3, 4, Decimal("37.25"))
    # C2 on the 18th: A2/P1 stays in store after its P3 line left.
    assert by_client[(day18, "C2")] == (1, 4, Decimal("14.00"))
    status = {(r[0], r[1], r[2]): r[3:] for r in two_runs[1]["order_status_daily"]}
    assert status[(day19, "distributor", "shipped")] == (1, 1, 10, Decimal("69.00"))
    assert status[(day19, "store", "cancelled")] == (1, 1, 2, Decimal("7.00"))
    assert status[(day18, "phone", "returned")] == (1, 1, 3, Decimal("30.00"))
    assert status[(day18, "store", "shipped")] == (1, 1, 4, Decimal("14.00"))
