"""The Athena DDL, generated from the job's own schemas so the catalog cannot drift.

``athena/ddl.sql`` is the committed, reviewable output of :func:`generate_ddl`
(``make ddl`` rewrites it; a test fails when it is stale). :func:`render_ddl` fills in
the processed root and returns the statements one by one, as Athena's
``StartQueryExecution`` takes them.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pyspark.sql.types import DataType

from athena.catalog import DATABASE
from contract.orders import CHANNELS, MAX_DAYS_AHEAD, MIN_ORDER_DATE
from table_format.layout import MANIFEST_DIR
from transforms.tables import PUBLIC_TABLES as TABLES

PLACEHOLDER = "${processed_location}"
DDL_PATH = Path(__file__).parent / "ddl.sql"
# Views: Athena names that are not an output folder -> (table they show, why).
VIEWS = {"processed_orders": ("orders", "the seed's name for the orders table")}

# Symlink-manifest tables: each partition's `manifest` lists its current Parquet files, so a
# commit publishes a partition with one atomic write (table_format/commit.py, docs/tables.md).
SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
INPUT_FORMAT = "org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat"
OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
# A partition date may be up to MAX_DAYS_AHEAD days after the (UTC) run date.
DATE_RANGES = {
    "order_date": f"{MIN_ORDER_DATE},NOW+{MAX_DAYS_AHEAD}DAYS",
    "ingest_date": f"{MIN_ORDER_DATE},NOW",
}
ENUMS = {"channel": CHANNELS}
_LOCATION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9+.-]*://[^\s'\\;]+$|^/[^\s'\\;]*$")


class DdlError(ValueError):
    """The DDL cannot be rendered as asked."""


def hive_type(data_type: DataType) -> str:
    """The Hive/Athena DDL type of a Spark type: ``int``, ``decimal(12,2)``, ``array<string>``."""
    return data_type.simpleString()


def projection_properties(column: str) -> list[tuple[str, str]]:
    """``projection.<column>.*`` table properties for one partition column."""
    prefix = f"projection.{column}"
    if column in DATE_RANGES:
        return [
            (f"{prefix}.type", "date"),
            (f"{prefix}.format", "yyyy-MM-dd"),
            (f"{prefix}.range", DATE_RANGES[column]),
            (f"{prefix}.interval", "1"),
            (f"{prefix}.interval.unit", "DAYS"),
        ]
    if column in ENUMS:
        return [(f"{prefix}.type", "enum"), (f"{prefix}.values", ",".join(ENUMS[column]))]
    raise DdlError(f"no partition projection is defined for partition column {column!r}")


def _columns(name: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(data columns, partition columns) of a table, each ``(name, Hive type)``."""
    table = TABLES[name]
    fields = {field.name: hive_type(field.dataType) for field in table.schema.fields}
    data = [(c, kind) for c, kind in fields.items() if c not in table.partitions]
    return data, [(c, fields[c]) for c in table.partitions]


def table_properties(name: str) -> list[tuple[str, str]]:
    """The table's TBLPROPERTIES: partition projection over every partition column."""
    properties = [("projection.enabled", "true")]
    for column in TABLES[name].partitions:
        properties += projection_properties(column)
    return properties


def glue_table_input(name: str, processed_location: str) -> dict[str, Any]:
    """The table as the Glue Data Catalog stores it when Athena runs its ``table_ddl``
    (``TableInput`` of ``AWS::Glue::Table``), built from the same definitions."""
    data, partitions = _columns(name)
    return {
        "Name": name,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"EXTERNAL": "TRUE", "classification": "parquet"}
        | dict(table_properties(name)),
        "PartitionKeys": [{"Name": c, "Type": kind} for c, kind in partitions],
        "StorageDescriptor": {
            "Columns": [{"Name": c, "Type": kind} for c, kind in data],
            "Location": table_location(processed_location, name),
            "InputFormat": INPUT_FORMAT,
            "OutputFormat": OUTPUT_FORMAT,
            "SerdeInfo": {
                "SerializationLibrary": SERDE,
                "Parameters": {"serialization.format": "1"},
            },
        },
    }


def table_ddl(name: str) -> str:
    """``CREATE EXTERNAL TABLE`` for one output table: data columns, then partitions."""
    table = TABLES[name]
    columns, partitions = _columns(name)
    data = [f"  {column} {kind}" for column, kind in columns]
    keys = [f"  {column} {kind}" for column, kind in partitions]
    props = [f"  '{key}' = '{value}'" for key, value in table_properties(name)]
    return "\n".join(
        [
            f"-- {name}: {table.grain}",
            f"CREATE EXTERNAL TABLE IF NOT EXISTS {DATABASE}.{name} (",
            ",\n".join(data),
            ")",
            "PARTITIONED BY (",
            ",\n".join(keys),
            ")",
            f"ROW FORMAT SERDE '{SERDE}'",
            f"STORED AS INPUTFORMAT '{INPUT_FORMAT}'",
            f"OUTPUTFORMAT '{OUTPUT_FORMAT}'",
            f"LOCATION '{table_location(PLACEHOLDER, name)}'",
            "TBLPROPERTIES (",
            ",\n".join(props),
            ");",
        ]
    )


def table_location(processed_location: str, name: str) -> str:
    """The table's LOCATION: the folder of its partitions' manifests."""
    return f"{processed_location}/{name}/{MANIFEST_DIR}/"


def view_ddl(view: str, table: str, why: str) -> str:
    select = f"SELECT * FROM {DATABASE}.{table}"  # noqa: S608 - names from this module
    return f"-- {view}: {why}\nCREATE OR REPLACE VIEW {DATABASE}.{view} AS {select};"


def generate_ddl() -> str:
    """The full text of ``athena/ddl.sql``."""
    header = [
        "-- Athena DDL for the DuffBeer order pipeline. GENERATED by `make ddl` from",
        "-- transforms/tables.py and contract/orders.py: do not edit by hand.",
        f"-- {PLACEHOLDER} is the processed root (no trailing slash), e.g.",
        "-- s3://duffbeer-processed-orders; athena.ddl.render_ddl() fills it in.",
        "-- Partition projection: no crawler, no MSCK REPAIR for new days. Each table reads",
        "-- the files its partitions' manifests list (docs/tables.md: how a run commits).",
        "",
        f"CREATE DATABASE IF NOT EXISTS {DATABASE};",
    ]
    tables = [table_ddl(name) for name in TABLES]
    views = [view_ddl(view, table, why) for view, (table, why) in VIEWS.items()]
    return "\n\n".join(["\n".join(header), *tables, *views]) + "\n"


def split_statements(text: str) -> list[str]:
    """Split on `;` outside quotes and `--` / `/* */` comments."""
    out, buf, i, quote = [], [], 0, ""
    while i < len(text):
        ch, two = text[i], text[i : i + 2]
        if quote:
            buf.append(ch)
            quote = "" if ch == quote else quote
        elif two == "--":
            i = text.find("\n", i) if "\n" in text[i:] else len(text)
            continue
        elif two == "/*":
            end = text.find("*/", i + 2)
            i = len(text) if end < 0 else end + 2
            continue
        elif ch in "'\"`":
            quote = ch
            buf.append(ch)
        elif ch == ";":
            out.append("".join(buf).strip())
            buf = []
        else:
            buf.append(ch)
        i += 1
    out.append("".join(buf).strip())
    return [s for s in out if s]


def render_ddl(processed_location: str, text: str | None = None) -> list[str]:
    """The DDL statements with ``${processed_location}`` filled in (a URI or absolute path)."""
    location = processed_location.rstrip("/")
    if not _LOCATION.match(location):
        raise DdlError(
            f"processed location must be an s3://bucket[/prefix] URI or an absolute path "
            f"without quotes, spaces or ';': {processed_location!r}"
        )
    source = DDL_PATH.read_text(encoding="utf-8") if text is None else text
    return [statement.replace(PLACEHOLDER, location) for statement in split_statements(source)]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m athena.ddl --write | --check | --location s3://…``."""
    parser = argparse.ArgumentParser(prog="python -m athena.ddl", description=__doc__)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help="regenerate athena/ddl.sql")
    action.add_argument("--check", action="store_true", help="fail if athena/ddl.sql is stale")
    action.add_argument("--location", help="print the DDL for this processed root")
    args = parser.parse_args(argv)
    if args.write:
        DDL_PATH.write_text(generate_ddl(), encoding="utf-8")
        return 0
    if args.check:
        stale = DDL_PATH.read_text(encoding="utf-8") != generate_ddl()
        if stale:
            print(f"{DDL_PATH} is stale: run `make ddl`", file=sys.stderr)
        return 1 if stale else 0
    try:
        statements = render_ddl(args.location)
    except DdlError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print("\n\n".join(f"{statement};" for statement in statements))
    return 0


if __name__ == "__main__":
    sys.exit(main())
