"""Turn athena/ddl.sql into catalog definitions.

Tables become Glue `TableInput`s (exactly what Athena stores for the `CREATE EXTERNAL
TABLE`: `STORED AS PARQUET`, or an explicit `ROW FORMAT SERDE … STORED AS INPUTFORMAT …
OUTPUTFORMAT …` such as a symlink-manifest table), which the CloudFormation template
declares as AWS::Glue::Table resources; views stay SQL and run through Athena (their
catalog entry is Presto-encoded).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp

from athena.ddl import PLACEHOLDER, split_statements

PARQUET_SERDE = {
    "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
    "Parameters": {"serialization.format": "1"},
}
PARQUET_INPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUTPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
_TEMPLATE = re.compile(r"'storage\.location\.template'\s*=\s*'[^']*'", re.IGNORECASE)
_VIEW = re.compile(r"^\s*CREATE\s+(OR\s+REPLACE\s+)?VIEW\s+", re.IGNORECASE)


class DdlError(ValueError):
    """The DDL file holds something the deployer cannot apply."""


@dataclass(frozen=True)
class Statement:
    kind: str  # "database", "table" or "view"
    database: str
    name: str
    sql: str
    table_input: dict[str, Any] | None = None


def render(text: str, processed_root: str) -> str:
    """Fill `${processed_location}` (processed root, no trailing slash); refuse any other."""
    rendered = text.replace(PLACEHOLDER, processed_root.rstrip("/"))
    # Athena's own ${column} placeholders live in storage.location.template values.
    scanned = _TEMPLATE.sub("", rendered)
    leftover = re.findall(r"\$\{[^}]*\}", scanned)
    if leftover:
        raise DdlError(f"unknown placeholders in DDL: {', '.join(sorted(set(leftover)))}")
    return rendered


def glue_type(kind: exp.DataType) -> str:
    return re.sub(r"\s+", "", kind.sql("hive")).lower()


def _columns(defs: list[exp.Expression]) -> list[dict[str, str]]:
    cols = []
    for col in defs:
        if not isinstance(col, exp.ColumnDef):
            raise DdlError(f"unsupported column definition: {col.sql('hive')}")
        entry = {"Name": col.name.lower(), "Type": glue_type(col.args["kind"])}
        for constraint in col.args.get("constraints") or []:
            if isinstance(constraint.args.get("kind"), exp.CommentColumnConstraint):
                entry["Comment"] = constraint.args["kind"].this.this
        cols.append(entry)
    return cols


def table_input(create: exp.Create) -> dict[str, Any]:
    """A Parquet external table as Glue stores it when Athena runs the DDL."""
    table = create.this.this
    props = create.args["properties"].expressions if create.args.get("properties") else []
    params: dict[str, str] = {"EXTERNAL": "TRUE", "classification": "parquet"}
    partitions: list[dict[str, str]] = []
    location, stored, description = None, None, None
    formats: dict[str, str] = {}
    for prop in props:
        if isinstance(prop, exp.PartitionedByProperty):
            partitions = _columns(prop.this.expressions)
        elif isinstance(prop, exp.LocationProperty):
            location = prop.this.this
        elif isinstance(prop, exp.FileFormatProperty) and isinstance(
            prop.this, exp.InputOutputFormat
        ):
            formats["InputFormat"] = prop.this.args["input_format"].this
            formats["OutputFormat"] = prop.this.args["output_format"].this
        elif isinstance(prop, exp.FileFormatProperty):
            stored = prop.this.name.upper()
        elif isinstance(prop, exp.RowFormatSerdeProperty):
            formats["SerializationLibrary"] = prop.this.this
        elif isinstance(prop, exp.SchemaCommentProperty):
            description = prop.this.this
        elif type(prop) is exp.Property:  # TBLPROPERTIES ('k'='v'); subclasses are handled above
            params[prop.this.this if isinstance(prop.this, exp.Literal) else prop.name] = prop.args[
                "value"
            ].this
    explicit = set(formats) == {"InputFormat", "OutputFormat", "SerializationLibrary"}
    if not location or not (stored == "PARQUET" or explicit):
        raise DdlError(
            f"table {table.name}: need a LOCATION and STORED AS PARQUET or "
            "ROW FORMAT SERDE … STORED AS INPUTFORMAT … OUTPUTFORMAT …"
        )
    serde = dict(PARQUET_SERDE)
    if explicit:
        serde["SerializationLibrary"] = formats["SerializationLibrary"]
    out: dict[str, Any] = {
        "Name": table.name.lower(),
        "TableType": "EXTERNAL_TABLE",
        "Parameters": params,
        "PartitionKeys": partitions,
        "StorageDescriptor": {
            "Columns": _columns(create.this.expressions),
            "Location": location,
            "InputFormat": formats.get("InputFormat", PARQUET_INPUT),
            "OutputFormat": formats.get("OutputFormat", PARQUET_OUTPUT),
            "SerdeInfo": serde,
        },
    }
    if description:
        out["Description"] = description
    return out


def _statement(sql: str, database: str) -> Statement:
    try:
        parsed = sqlglot.parse_one(sql, read="athena")
    except sqlglot.errors.ParseError as exc:
        raise DdlError(f"cannot parse DDL statement: {sql[:80]}...: {exc}") from exc
    kind = str(parsed.args.get("kind", "")).upper() if isinstance(parsed, exp.Create) else ""
    if kind in {"DATABASE", "SCHEMA"}:
        return Statement("database", parsed.this.name, parsed.this.name, sql)
    target = parsed.this.this if kind == "TABLE" else parsed.this
    if kind not in {"TABLE", "VIEW"} or not isinstance(target, exp.Table):
        raise DdlError(f"unsupported DDL statement (CREATE DATABASE/TABLE/VIEW only): {sql[:80]}")
    db = (target.db or database).lower()
    if db != database:
        raise DdlError(f"{target.name}: DDL database {db!r} is not the configured {database!r}")
    if kind == "VIEW":
        return Statement(
            "view", db, target.name.lower(), _VIEW.sub("CREATE OR REPLACE VIEW ", sql, 1)
        )
    assert isinstance(parsed, exp.Create)
    return Statement("table", db, target.name.lower(), sql, table_input(parsed))


def parse_ddl(text: str, processed_root: str, database: str) -> list[Statement]:
    """Every statement of the DDL file, locations filled in, in file order."""
    statements = [_statement(s, database) for s in split_statements(render(text, processed_root))]
    if not any(s.kind == "table" for s in statements):
        raise DdlError("the DDL defines no tables")
    return statements
