"""The local API serves the tables' current version: after the job commits again, the next
request sees the new rows, even with the app (and its DuckDB views) already running."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from fastapi.testclient import TestClient
from pyspark.sql import SparkSession

from api.app import create_app
from api.settings import Settings
from glue_jobs.process_orders import main

HEADER = "order_id,client_id,product_id,channel,quantity,unit_price,status,order_date\n"


def upload(folder: Path, line: str, at: dt.datetime) -> Path:
    folder.mkdir(parents=True)
    path = folder / "orders.csv"
    path.write_text(HEADER + line + "\n")
    os.utime(path, (at.timestamp(), at.timestamp()))
    return folder


def statuses(client: TestClient) -> list[str]:
    response = client.get("/orders/C1", params={"from": "2026-11-01", "to": "2026-11-30"})
    assert response.status_code == 200, response.text
    return [status for order in response.json()["orders"] for status in order["statuses"]]


def test_a_running_local_api_sees_the_next_commit(spark: SparkSession, tmp_path: Path) -> None:
    output = tmp_path / "out"
    at = dt.datetime(2026, 11, 21, 8, 0)
    argv = ["process_orders.py", "--output_path", str(output), "--input_path"]
    main([*argv, str(upload(tmp_path / "in1", "O1,C1,P1,online,1,2.00,pending,2026-11-20", at))])
    with TestClient(create_app(Settings(output_path=str(output)))) as client:
        assert statuses(client) == ["pending"]
        later = at + dt.timedelta(hours=1)
        line = "O1,C1,P1,online,1,2.00,shipped,2026-11-20"
        main([*argv, str(upload(tmp_path / "in2", line, later)), "--retention_hours", "0"])
        assert statuses(client) == ["shipped"]
