"""Athena: a cost-capped workgroup with an enforced results location, and the tables
and views of athena/ddl.sql.

Views run as Athena SQL; what was last applied is kept under `deploy-state/` in
the artifacts bucket, so an unchanged view is not re-run (and is reported so).
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

from botocore.exceptions import ClientError

from deploy.context import ABSENT, DELETE, Context
from deploy.ddl import Statement, parse_ddl

STATE_PREFIX = "deploy-state/athena/"
QUERY_TIMEOUT_SECONDS = 120


def workgroup_definition(ctx: Context) -> dict[str, Any]:
    cfg = ctx.config
    return {
        "Description": f"{cfg.stack}: API and analyst queries, capped per query",
        "Configuration": {
            "ResultConfiguration": {
                "OutputLocation": f"s3://{cfg.athena_results_bucket}/results/",
                "EncryptionConfiguration": {"EncryptionOption": "SSE_S3"},
            },
            "EnforceWorkGroupConfiguration": True,
            "PublishCloudWatchMetricsEnabled": True,
            "BytesScannedCutoffPerQuery": cfg.bytes_scanned_cutoff,
            "RequesterPaysEnabled": False,
            "EngineVersion": {"SelectedEngineVersion": "Athena engine version 3"},
        },
    }


def _workgroup(athena: Any, name: str) -> dict[str, Any] | None:
    try:
        found = athena.get_work_group(WorkGroup=name).get("WorkGroup")
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "InvalidRequestException":
            return None
        raise
    return dict(found) if found else None


def ensure_workgroup(ctx: Context) -> None:
    athena, name = ctx.client("athena"), ctx.names.workgroup
    desired = workgroup_definition(ctx)
    conf = desired["Configuration"]
    updates = {
        "EnforceWorkGroupConfiguration": conf["EnforceWorkGroupConfiguration"],
        "PublishCloudWatchMetricsEnabled": conf["PublishCloudWatchMetricsEnabled"],
        "BytesScannedCutoffPerQuery": conf["BytesScannedCutoffPerQuery"],
        "RequesterPaysEnabled": conf["RequesterPaysEnabled"],
        "EngineVersion": conf["EngineVersion"],
        "ResultConfigurationUpdates": conf["ResultConfiguration"],
    }
    ctx.converge(
        "athena:workgroup",
        name,
        _workgroup(athena, name),
        desired,
        create=lambda: athena.create_work_group(Name=name, **desired),
        update=lambda: athena.update_work_group(
            WorkGroup=name,
            Description=desired["Description"],
            ConfigurationUpdates=updates,
            State="ENABLED",
        ),
    )


def load_statements(ctx: Context) -> list[Statement]:
    path = ctx.config.path(ctx.config.ddl_path)
    if not path.is_file():
        raise FileNotFoundError(f"Athena DDL not found: {path}")
    return parse_ddl(
        path.read_text(encoding="utf-8"), ctx.names.processed_root, ctx.config.database
    )


def run_query(ctx: Context, sql: str) -> None:
    """Run one statement in the stack's workgroup and wait for it; fail loudly."""
    athena = ctx.client("athena")
    query_id = athena.start_query_execution(
        QueryString=sql,
        QueryExecutionContext={"Database": ctx.config.database, "Catalog": "AwsDataCatalog"},
        WorkGroup=ctx.names.workgroup,
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


def _table(glue: Any, database: str, name: str) -> dict[str, Any] | None:
    try:
        return dict(glue.get_table(DatabaseName=database, Name=name)["Table"])
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "EntityNotFoundException":
            return None
        raise


def _applied_view(ctx: Context, statement: Statement) -> str | None:
    key = f"{STATE_PREFIX}{statement.database}.{statement.name}.sql"
    try:
        body = ctx.client("s3").get_object(Bucket=ctx.config.artifacts_bucket, Key=key)["Body"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] in {"NoSuchKey", "NoSuchBucket", "404"}:
            return None
        raise
    return str(body.read().decode("utf-8"))


def _apply_view(ctx: Context, statement: Statement) -> None:
    run_query(ctx, statement.sql)
    ctx.client("s3").put_object(
        Bucket=ctx.config.artifacts_bucket,
        Key=f"{STATE_PREFIX}{statement.database}.{statement.name}.sql",
        Body=statement.sql.encode("utf-8"),
        ServerSideEncryption="AES256",
    )


def ensure_tables(ctx: Context) -> None:
    glue = ctx.client("glue")
    for st in load_statements(ctx):
        if st.kind == "table" and st.table_input is not None:
            desired = st.table_input
            ctx.converge(
                "glue:table",
                f"{st.database}.{st.name}",
                _table(glue, st.database, st.name),
                desired,
                create=partial(glue.create_table, DatabaseName=st.database, TableInput=desired),
                update=partial(glue.update_table, DatabaseName=st.database, TableInput=desired),
            )
        elif st.kind == "view":
            ctx.converge(
                "athena:view",
                f"{st.database}.{st.name}",
                _applied_view(ctx, st),
                st.sql,
                create=partial(_apply_view, ctx, st),
                update=partial(_apply_view, ctx, st),
            )


def teardown_athena(ctx: Context) -> None:
    """Drop the views (through Athena, while the workgroup exists), then the workgroup."""
    s3, athena = ctx.client("s3"), ctx.client("athena")
    try:
        listing = s3.list_objects_v2(Bucket=ctx.config.artifacts_bucket, Prefix=STATE_PREFIX)
    except ClientError:
        listing = {}
    has_workgroup = _workgroup(athena, ctx.names.workgroup) is not None
    for item in listing.get("Contents", []):
        view = item["Key"].removeprefix(STATE_PREFIX).removesuffix(".sql")
        ctx.record("athena:view", view, DELETE)
        if not ctx.dry_run:
            if has_workgroup:
                run_query(ctx, f"DROP VIEW IF EXISTS {view}")
            s3.delete_object(Bucket=ctx.config.artifacts_bucket, Key=item["Key"])
    ctx.record("athena:workgroup", ctx.names.workgroup, DELETE if has_workgroup else ABSENT)
    if has_workgroup and not ctx.dry_run:
        athena.delete_work_group(WorkGroup=ctx.names.workgroup, RecursiveDeleteOption=True)
