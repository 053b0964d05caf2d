"""athena/ddl.sql against the job's schemas and contract: read back with sqlglot's Athena
parser, independently of the generator that wrote it."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sqlglot
from pyspark.sql import types as T
from sqlglot import exp

from athena import ddl
from athena.ddl import DATABASE, DDL_PATH, PLACEHOLDER, DdlError, render_ddl, split_statements
from contract.orders import CHANNELS, MAX_DAYS_AHEAD, MIN_ORDER_DATE
from transforms.tables import PUBLIC_TABLES as TABLES

Columns = list[tuple[str, str]]


def parsed_tables(text: str) -> dict[str, tuple[Columns, Columns, dict[str, str], str]]:
    """table -> (data columns, partition columns, TBLPROPERTIES, LOCATION) as the DDL says."""
    tables = {}
    for statement in split_statements(text):
        tree = sqlglot.parse_one(statement, read="athena")
        if not (isinstance(tree, exp.Create) and tree.kind == "TABLE"):
            continue
        schema = tree.this
        table = schema.this
        assert table.db == DATABASE, statement
        data = [(c.name, c.kind.sql("hive").lower()) for c in schema.expressions]
        partitioned = tree.find(exp.PartitionedByProperty)
        assert partitioned is not None, f"{table.name} is not partitioned"
        keys = [(c.name, c.kind.sql("hive").lower()) for c in partitioned.this.expressions]
        props = {
            p.name: p.text("value") for p in tree.find_all(exp.Property) if type(p) is exp.Property
        }
        location = tree.find(exp.LocationProperty)
        assert location is not None
        tables[table.name] = (data, keys, props, location.this.name)
    return tables


def declared(schema: T.StructType, names: tuple[str, ...] | None = None) -> Columns:
    """(name, Hive type) of the job's schema, sqlglot-normalised like the parsed DDL."""
    return [
        (f.name, exp.DataType.build(f.dataType.simpleString(), dialect="hive").sql("hive").lower())
        for f in schema.fields
        if names is None or f.name in names
    ]


def drift(text: str) -> list[str]:
    """Every difference between the DDL's columns and transforms.schemas.TABLES."""
    found = parsed_tables(text)
    problems = sorted(set(TABLES) ^ set(found))
    for name, table in TABLES.items():
        schema, partitions = table.schema, table.partitions
        if name not in found:
            continue
        data, keys, _props, _location = found[name]
        data_names = tuple(f.name for f in schema.fields if f.name not in partitions)
        if data != declared(schema, data_names):
            problems.append(f"{name}: DDL {data} != job {declared(schema, data_names)}")
        if keys != sorted(declared(schema, partitions), key=lambda c: partitions.index(c[0])):
            problems.append(f"{name}: partitions {keys} != job {partitions}")
    return problems


@pytest.fixture(scope="module")
def ddl_text() -> str:
    return DDL_PATH.read_text(encoding="utf-8")


def test_committed_ddl_is_what_the_generator_writes(ddl_text: str) -> None:
    assert ddl_text == ddl.generate_ddl(), "athena/ddl.sql is stale: run `make ddl`"


def test_ddl_columns_and_types_match_the_job_schemas(ddl_text: str) -> None:
    assert drift(ddl_text) == []


def test_a_column_added_to_the_job_but_not_the_ddl_is_reported(
    ddl_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = TABLES["sales_by_client"]
    wider = T.StructType([*table.schema.fields, T.StructField("discount", T.DecimalType(18, 2))])
    monkeypatch.setitem(TABLES, "sales_by_client", replace(table, schema=wider))
    assert drift(ddl_text) != []
    assert ddl_text != ddl.generate_ddl()


def test_a_type_change_in_the_job_is_reported(
    ddl_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = TABLES["orders"]
    fields = [
        T.StructField(f.name, T.LongType()) if f.name == "quantity" else f
        for f in table.schema.fields
    ]
    monkeypatch.setitem(TABLES, "orders", replace(table, schema=T.StructType(fields)))
    assert any("orders" in problem for problem in drift(ddl_text))


def test_every_partition_column_is_projected(ddl_text: str) -> None:
    for name, (data, keys, props, location) in parsed_tables(ddl_text).items():
        assert props["projection.enabled"] == "true"
        for column, kind in keys:
            assert props[f"projection.{column}.type"] in ("date", "enum"), (name, column)
            if kind == "date":
                assert props[f"projection.{column}.format"] == "yyyy-MM-dd"
                assert props[f"projection.{column}.range"].startswith(f"{MIN_ORDER_DATE},NOW")
                assert props[f"projection.{column}.interval.unit"] == "DAYS"
        assert location == f"{PLACEHOLDER}/{name}/_manifest/"
        assert not set(dict(data)) & set(dict(keys))


def test_order_date_range_reaches_the_days_ahead_the_job_accepts(ddl_text: str) -> None:
    props = parsed_tables(ddl_text)["orders"][2]
    assert props["projection.order_date.range"] == f"{MIN_ORDER_DATE},NOW+{MAX_DAYS_AHEAD}DAYS"


def test_channel_enum_is_the_contract_channel_list(ddl_text: str) -> None:
    props = parsed_tables(ddl_text)["orders"][2]
    assert props["projection.channel.values"].split(",") == list(CHANNELS)


def test_channel_enum_follows_the_contract_when_it_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(ddl.ENUMS, "channel", (*CHANNELS, "marketplace"))
    props = parsed_tables(ddl.generate_ddl())["orders"][2]
    assert props["projection.channel.values"].endswith(",marketplace")


def test_render_fills_every_location_and_keeps_statement_order() -> None:
    statements = render_ddl("s3://duffbeer-processed-orders/")
    assert statements[0] == f"CREATE DATABASE IF NOT EXISTS {DATABASE}"
    assert len(statements) == 1 + len(TABLES) + len(ddl.VIEWS)
    assert all(PLACEHOLDER not in s and not s.endswith(";") for s in statements)
    for name in TABLES:
        assert (
            sum(
                f"LOCATION 's3://duffbeer-processed-orders/{name}/_manifest/'" in s
                for s in statements
            )
            == 1
        )
    assert statements[-1] == (
        f"CREATE OR REPLACE VIEW {DATABASE}.processed_orders AS SELECT * FROM {DATABASE}.orders"
    )


@pytest.mark.parametrize(
    "location",
    ["s3://bucket/x' ; DROP TABLE t --", "relative/path", "s3://bucket/a b", "", "s3://b/x;y"],
)
def test_render_rejects_a_location_that_could_break_the_sql(location: str) -> None:
    with pytest.raises(DdlError, match="processed location"):
        render_ddl(location)


def test_ddl_cli_prints_rendered_statements_and_checks_freshness(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert ddl.main(["--location", "s3://bucket/prefix"]) == 0
    out = capsys.readouterr().out
    assert "LOCATION 's3://bucket/prefix/orders/_manifest/'" in out and PLACEHOLDER not in out
    assert ddl.main(["--check"]) == 0
    assert ddl.main(["--location", "s3://bucket/it's"]) == 2
    assert "processed location" in capsys.readouterr().err
