"""DuckDB floor for the benchmark: the same CSVs -> the same date/channel-partitioned Parquet.

The same casts as the job's typed ``orders`` columns (trimmed IDs, lower-cased channel and
status, int quantity, decimal(12,2) price with the Spanish decimal comma, decimal(18,2)
line total, the three date forms), one pass, no validation beyond "the casts succeeded"
and the channel and date window (so it writes the same partitions), no dedupe, no upsert,
no quarantine: a lower bound for any engine on this machine.
Rows DuckDB cannot decode (invalid UTF-8) are skipped (``ignore_errors``).

    python bench/duckdb_floor.py --input DIR --output DIR
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from contract.header import inspect_header
from contract.orders import (
    CHANNELS,
    HEADER_MAX_BYTES,
    MAX_DAYS_AHEAD,
    MIN_ORDER_DATE,
)


def file_relation(con: duckdb.DuckDBPyConnection, path: Path) -> duckdb.DuckDBPyRelation:
    """One file's rows, typed; the delimiter from its header (names normalised by DuckDB)."""
    size = path.stat().st_size
    check = inspect_header(
        path.read_bytes()[:HEADER_MAX_BYTES] if size else b"", size <= HEADER_MAX_BYTES
    )
    if not check.ok or check.delimiter is None:
        raise SystemExit(f"{path}: {check.reason}")
    rows = con.read_csv(
        str(path),
        sep=check.delimiter,
        header=True,
        all_varchar=True,
        normalize_names=True,
        ignore_errors=True,
        quotechar='"',
        escapechar='"',
        filename=True,
    )
    price = "trim(unit_price)"
    if check.delimiter == ";":
        price = f"replace(replace({price}, '.', ''), ',', '.')"
    return rows.select(
        "trim(order_id) AS order_id, trim(client_id) AS client_id, "
        "trim(product_id) AS product_id, "
        "TRY_CAST(trim(quantity) AS INTEGER) AS quantity, "
        f"TRY_CAST({price} AS DECIMAL(12,2)) AS unit_price, "
        "lower(trim(status)) AS status, "
        "COALESCE(TRY_CAST(left(trim(order_date), 10) AS DATE), "
        "         TRY_STRPTIME(trim(order_date), '%d/%m/%Y')::DATE) AS order_date, "
        "lower(trim(channel)) AS channel, filename AS source_file"
    )


def run(input_dir: Path, output_dir: Path) -> None:
    con = duckdb.connect()
    files = sorted(p for p in input_dir.iterdir() if p.suffix.lower() == ".csv")
    relations = [file_relation(con, p) for p in files]
    union = relations[0]
    for relation in relations[1:]:
        union = union.union(relation)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
    latest = (dt.date.today() + dt.timedelta(days=MAX_DAYS_AHEAD)).isoformat()
    channels = ", ".join(f"'{c}'" for c in CHANNELS)
    typed = union.filter(
        "quantity IS NOT NULL AND unit_price IS NOT NULL AND order_date IS NOT NULL "
        f"AND channel IN ({channels}) "
        f"AND order_date BETWEEN DATE '{MIN_ORDER_DATE}' AND DATE '{latest}'"
    ).select(
        "order_id, client_id, product_id, quantity, unit_price, "
        "CAST(quantity * unit_price AS DECIMAL(18,2)) AS line_total, status, source_file, "
        f"TIMESTAMP '{now}' AS ingested_at, order_date, channel"
    )
    typed.write_parquet(
        str(output_dir),
        compression="snappy",
        partition_by=["order_date", "channel"],
        overwrite=True,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, required=True)
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)
    run(args.input, args.output)
    print(f'{{"engine": "duckdb", "output": "{args.output}"}}')


if __name__ == "__main__":
    main()
