"""Small but realistic stand-ins for athena/ddl.sql, api/openapi.json and the job
script, for when those files are not in the repository yet (the real ones are
deployed by their own tests when present)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from transforms.contract import CHANNELS

DDL = f"""-- DuffBeer processed orders (fixture). Locations: ${{processed_location}}.
CREATE DATABASE IF NOT EXISTS duffbeer;

CREATE EXTERNAL TABLE IF NOT EXISTS duffbeer.orders (
  order_id string COMMENT 'order id; unique with product_id',
  client_id string,
  product_id string,
  quantity int,
  unit_price decimal(12,2),
  line_total decimal(18,2),
  status string,
  source_file string,
  ingested_at timestamp
)
PARTITIONED BY (order_date date, channel string)
STORED AS PARQUET
LOCATION '${{processed_location}}/orders/'
TBLPROPERTIES (
  'projection.enabled'='true',
  'projection.order_date.type'='date',
  'projection.order_date.format'='yyyy-MM-dd',
  'projection.order_date.range'='2000-01-01,NOW+1DAYS',
  'projection.channel.type'='enum',
  'projection.channel.values'='{",".join(CHANNELS)}',
  'storage.location.template'='${{processed_location}}/orders/order_date=${{order_date}}/channel=${{channel}}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS duffbeer.rejected_orders (
  order_id string, client_id string, product_id string, channel string, quantity string,
  unit_price string, status string, order_date string, reject_reason string,
  reject_reasons array<string>, source_file string, ingested_at timestamp
)
PARTITIONED BY (ingest_date date)
STORED AS PARQUET
LOCATION '${{processed_location}}/rejected_orders/'
TBLPROPERTIES ('projection.enabled'='true', 'projection.ingest_date.type'='date',
  'projection.ingest_date.format'='yyyy-MM-dd',
  'projection.ingest_date.range'='2000-01-01,NOW+1DAYS');

/* the API's view: one line per order line, statuses as text; a ; in a comment */
CREATE OR REPLACE VIEW duffbeer.processed_orders AS
SELECT order_id, client_id, product_id, channel, status, order_date, quantity, line_total
FROM duffbeer.orders WHERE status <> 'x;y';
"""

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "DuffBeer orders API", "version": "1.0.0"},
    "paths": {
        "/orders/{client_id}": {
            "get": {
                "operationId": "orders_by_client",
                "parameters": [
                    {
                        "name": "client_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
                    },
                    {
                        "name": "from",
                        "in": "query",
                        "required": False,
                        "schema": {
                            "anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]
                        },
                    },
                ],
                "responses": {"200": {"description": "Orders of the client"}},
            }
        },
        "/sales-by-product": {
            "get": {
                "operationId": "sales_by_product",
                "responses": {"200": {"description": "Net sales per product"}},
            }
        },
        "/order-status-report": {
            "get": {
                "operationId": "order_status_report",
                "responses": {"200": {"description": "Orders per status"}},
            }
        },
    },
}

JOB_SCRIPT = '"""Fixture Glue entry script (the real one is glue_jobs/process_orders.py)."""\n'


def write_fixtures(root: Path) -> dict[str, str]:
    """Write the fixture files under `root`; returns config overrides pointing at them."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "ddl.sql").write_text(DDL)
    (root / "openapi.json").write_text(json.dumps(OPENAPI, indent=2))
    (root / "process_orders.py").write_text(JOB_SCRIPT)
    deps = root / "api-deps" / "vendored_pkg"
    deps.mkdir(parents=True, exist_ok=True)
    (deps / "__init__.py").write_text("VERSION = '1'\n")
    return {
        "ddl_path": str(root / "ddl.sql"),
        "openapi_path": str(root / "openapi.json"),
        "job_script": str(root / "process_orders.py"),
        "api_dependencies_dir": str(root / "api-deps"),
    }
