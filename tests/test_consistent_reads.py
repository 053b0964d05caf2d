"""Readers never see a partition missing, doubled or half-written while a run commits
(docs/tables.md, "What a reader sees during a commit").

The second run's manifest writes are slowed down so that the commit takes seconds; the
local Athena twin (DuckDB, as `make query` and the API use it) queries the tables over and
over meanwhile. Every partition of every answer must be exactly its old or its new state.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from pathlib import Path
from typing import Any

from pyspark.sql import SparkSession

from athena.local import LocalAthena
from glue_jobs.process_orders import main
from table_format.storage import Storage

HEADER = "order_id,client_id,product_id,channel,quantity,unit_price,status,order_date\n"
PER_PARTITION = (
    "SELECT CAST(order_date AS VARCHAR) AS d, channel, COUNT(*) AS line_count, "
    "SUM(line_total) AS amount, MAX(status) AS top_status FROM orders GROUP BY 1, 2"
)
PER_DAY = "SELECT CAST(order_date AS VARCHAR), SUM(revenue) FROM sales_by_client GROUP BY 1"


class SlowManifests(Storage):
    """Each manifest write or delete takes 0.3 s: the commit is spread over seconds."""

    def __init__(self, spark: SparkSession) -> None:
        super().__init__(spark)
        self.applying = threading.Event()

    def write_text(self, uri: str, text: str) -> None:
        if "/_manifest/" in uri:
            self.applying.set()
            time.sleep(0.3)
        super().write_text(uri, text)

    def delete(self, uri: str) -> None:
        if "/_manifest/" in uri:
            time.sleep(0.3)
        super().delete(uri)


def write_batch(folder: Path, lines: list[str], uploaded: dt.datetime) -> Path:
    folder.mkdir(parents=True)
    path = folder / "orders.csv"
    path.write_text(HEADER + "".join(f"{line}\n" for line in lines))
    os.utime(path, (uploaded.timestamp(), uploaded.timestamp()))
    return folder


def observe(output: Path) -> dict[str, Any]:
    athena = LocalAthena(output)
    partitions = {(r[0], r[1]): r[2:] for r in athena.execute(PER_PARTITION).rows}
    days = dict(athena.execute(PER_DAY).rows)
    return {"orders": partitions, "sales_by_client": days}


def test_every_partition_is_entirely_old_or_entirely_new_during_a_commit(
    spark: SparkSession, tmp_path: Path
) -> None:
    days = [f"2026-11-{d:02d}" for d in range(10, 16)]
    channels = ("online", "store", "phone")
    first = [
        f"O{i}-{c},C{i},P1,{c},{i % 5 + 1},2.50,pending,{d}"
        for i, d in enumerate(days)
        for c in channels
    ]
    # Every line updated (new status and quantity), plus one line moved to another day.
    second = [line.replace("pending", "shipped").replace(",2.50,", ",3.00,") for line in first]
    second[0] = second[0].replace(days[0], days[-1])
    output = tmp_path / "out"
    t0 = dt.datetime(2026, 11, 16, 8, 0)
    argv = ["process_orders.py", "--output_path", str(output), "--input_path"]
    main([*argv, str(write_batch(tmp_path / "in1", first, t0))])
    before = observe(output)

    storage = SlowManifests(spark)
    second_input = str(write_batch(tmp_path / "in2", second, t0 + dt.timedelta(hours=1)))
    writer = threading.Thread(
        target=main, args=([*argv, second_input],), kwargs={"storage": storage}
    )
    writer.start()
    storage.applying.wait(timeout=600)
    seen = []
    while writer.is_alive():
        seen.append(observe(output))
    writer.join()
    after = observe(output)

    assert before != after
    assert len(seen) >= 3, "the reader should have queried several times during the commit"
    mixed = 0
    for snapshot in seen:
        for table in ("orders", "sales_by_client"):
            old, new, now = before[table], after[table], snapshot[table]
            for key in set(old) | set(new) | set(now):
                states = {old.get(key), new.get(key)}
                assert now.get(key) in states, (table, key, now.get(key), states)
        mixed += snapshot not in (before, after)
    assert mixed >= 1, "no query landed between the first and the last manifest write"
