"""Athena views of athena/ddl.sql, applied after the stack is up.

A view's Glue catalog entry is Presto-encoded (a base64 blob of Athena's own plan), which
CloudFormation cannot express faithfully; Athena's `CREATE OR REPLACE VIEW` is the
supported way. athena/ddl.sql names the local database (athena.catalog.DATABASE); each view
is retargeted to the stack's database, so the SQL stored with it names that one. What was
last applied is kept in the artifacts bucket (deploy-state/), so
an unchanged view is not re-run and a second deploy reports no changes.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

import sqlglot
from botocore.exceptions import ClientError
from sqlglot import exp

from athena.ddl import DATABASE
from deploy.ddl import Statement, parse_ddl

STATE_PREFIX = "deploy-state/views/"
QUERY_TIMEOUT_SECONDS = 120


def retarget(view: Statement, database: str) -> Statement:
    """The view in `database`: every table it creates or reads from the DDL's database
    (athena.catalog.DATABASE) is renamed into `database`; other qualifiers are kept."""
    if database == view.database:
        return view
    tree = sqlglot.parse_one(view.sql, read="athena")
    for table in tree.find_all(exp.Table):
        if table.db.lower() == view.database:
            table.set("db", exp.to_identifier(database))
    return dataclasses.replace(view, database=database, sql=tree.sql(dialect="athena"))


def view_statements(ddl_path: Path, processed_root: str, database: str) -> list[Statement]:
    """The DDL's views, retargeted to the stack's `database`."""
    text = ddl_path.read_text(encoding="utf-8")
    parsed = parse_ddl(text, processed_root, DATABASE)
    return [retarget(s, database) for s in parsed if s.kind == "view"]


def run_query(athena: Any, workgroup: str, database: str, sql: str) -> None:
    """Run one statement in the stack's workgroup and database and wait for it; fail loudly."""
    query_id = athena.start_query_execution(
        QueryString=sql,
        QueryExecutionContext={"Database": database, "Catalog": "AwsDataCatalog"},
        WorkGroup=workgroup,
    )["QueryExecutionId"]
    deadline = time.monotonic() + QUERY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        status = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]
        if status["State"] == "SUCCEEDED":
            return
        if status["State"] in {"FAILED", "CANCELLED"}:
            raise RuntimeError(
                f"Athena query failed: {status.get('StateChangeReason')}: {sql[:80]}"
            )
        time.sleep(1)
    raise TimeoutError(f"Athena query {query_id} did not finish in {QUERY_TIMEOUT_SECONDS}s")


def _applied(s3: Any, bucket: str, name: str) -> str | None:
    try:
        body = s3.get_object(Bucket=bucket, Key=f"{STATE_PREFIX}{name}.sql")["Body"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] in {"NoSuchKey", "404"}:
            return None
        raise
    return str(body.read().decode("utf-8"))


def apply_views(
    s3: Any,
    athena: Any,
    artifacts_bucket: str,
    workgroup: str,
    views: list[Statement],
    dry_run: bool,
) -> list[tuple[str, str]]:
    """(view, create|update|unchanged) for every view; runs only the changed ones."""
    out = []
    for view in views:
        applied = _applied(s3, artifacts_bucket, view.name)
        action = "create" if applied is None else "unchanged" if applied == view.sql else "update"
        out.append((f"{view.database}.{view.name}", action))
        if action == "unchanged" or dry_run:
            continue
        run_query(athena, workgroup, view.database, view.sql)
        s3.put_object(
            Bucket=artifacts_bucket,
            Key=f"{STATE_PREFIX}{view.name}.sql",
            Body=view.sql.encode("utf-8"),
            ServerSideEncryption="AES256",
        )
    return out
