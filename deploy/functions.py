"""The two Lambdas (upload trigger, orders API), their log groups, and the SQS
event source mapping that feeds the trigger with partial batch responses."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from deploy.context import ABSENT, DELETE, Context
from deploy.names import METRIC_NAMESPACE
from deploy.package import api_zip, sha256_b64, trigger_zip, vendor_api_dependencies

RUNTIME = "python3.11"
TRIGGER_TIMEOUT = 60
API_TIMEOUT = 29  # API Gateway's integration limit


def trigger_spec(ctx: Context) -> tuple[dict[str, Any], bytes]:
    n, cfg = ctx.names, ctx.config
    env = {
        "JOB_NAME": n.job,
        "MAX_FILE_BYTES": str(cfg.max_file_bytes),
        "QUARANTINE_PREFIX": "quarantine/",
        "MARKER_PREFIX": "_triggers/",
        "METRIC_NAMESPACE": METRIC_NAMESPACE,
    }
    conf = {
        "Runtime": RUNTIME,
        "Handler": "lambdas.trigger.handler",
        "Role": n.role_arn("trigger"),
        "Timeout": TRIGGER_TIMEOUT,
        "MemorySize": 256,
        "Environment": {"Variables": env},
    }
    return conf, trigger_zip(cfg.repo_root)


def api_spec(ctx: Context) -> tuple[dict[str, Any], bytes]:
    n, cfg = ctx.names, ctx.config
    if cfg.api_dependencies_dir:
        deps = cfg.path(cfg.api_dependencies_dir)
    elif ctx.dry_run:
        deps = None  # the plan does not need the real bundle; never pip-install in a dry run
    else:
        deps = vendor_api_dependencies(cfg.repo_root, cfg.repo_root / "build")
    env = {  # read by api.settings.Settings.from_env
        "DUFFBEER_API_BACKEND": "athena",
        "DUFFBEER_ATHENA_WORKGROUP": n.workgroup,
        "DUFFBEER_ATHENA_DATABASE": cfg.database,
        "DUFFBEER_ATHENA_OUTPUT_LOCATION": f"s3://{cfg.athena_results_bucket}/results/",
        "DUFFBEER_RUNS_PATH": f"s3://{cfg.processed_bucket}/_runs/",
    }
    conf = {
        "Runtime": RUNTIME,
        "Handler": cfg.api_handler,
        "Role": n.role_arn("api"),
        "Timeout": API_TIMEOUT,
        "MemorySize": 512,
        "Environment": {"Variables": env},
    }
    return conf, api_zip(cfg.repo_root, deps if deps is None else Path(deps))


def _retry_new_role(call: Callable[[], Any], attempts: int = 12, pause: float = 5.0) -> None:
    """IAM is eventually consistent: a role created seconds ago may not be assumable by
    Lambda yet ("cannot be assumed by Lambda"); retry that error only, for up to a minute."""
    for attempt in range(attempts):
        try:
            call()
            return
        except ClientError as exc:
            error = exc.response["Error"]
            retryable = (
                error.get("Code") == "InvalidParameterValueException"
                and "role" in str(error.get("Message", "")).lower()
            )
            if not retryable or attempt == attempts - 1:
                raise
            time.sleep(pause)


def _configuration(lam: Any, name: str) -> dict[str, Any] | None:
    try:
        return dict(lam.get_function_configuration(FunctionName=name))
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ResourceNotFoundException":
            return None
        raise


def ensure_function(ctx: Context, name: str, conf: dict[str, Any], code: bytes) -> None:
    """Create, or update code and configuration separately (waiting between them)."""
    lam = ctx.client("lambda")
    current = _configuration(lam, name)
    desired = {**conf, "CodeSha256": sha256_b64(code)}

    def create() -> None:
        _retry_new_role(
            lambda: lam.create_function(
                FunctionName=name,
                Code={"ZipFile": code},
                Publish=False,
                Architectures=["x86_64"],
                **conf,
            )
        )
        lam.get_waiter("function_active_v2").wait(FunctionName=name)

    def update() -> None:
        assert current is not None
        if current.get("CodeSha256") != desired["CodeSha256"]:
            lam.update_function_code(FunctionName=name, ZipFile=code)
            lam.get_waiter("function_updated_v2").wait(FunctionName=name)
        lam.update_function_configuration(FunctionName=name, **conf)
        lam.get_waiter("function_updated_v2").wait(FunctionName=name)

    ctx.converge("lambda:function", name, current, desired, create, update)


def ensure_log_group(ctx: Context, group: str) -> None:
    logs, days = ctx.client("logs"), ctx.config.log_retention_days
    found = [
        g
        for g in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
        if g["logGroupName"] == group
    ]
    current = {"retentionInDays": found[0].get("retentionInDays")} if found else None

    def create() -> None:
        logs.create_log_group(logGroupName=group)
        logs.put_retention_policy(logGroupName=group, retentionInDays=days)

    ctx.converge(
        "logs:group",
        group,
        current,
        {"retentionInDays": days},
        create,
        lambda: logs.put_retention_policy(logGroupName=group, retentionInDays=days),
    )


def _mapping(ctx: Context) -> dict[str, Any] | None:
    n = ctx.names
    found = ctx.client("lambda").list_event_source_mappings(
        EventSourceArn=n.queue_arn(n.queue), FunctionName=n.trigger_function
    )["EventSourceMappings"]
    return dict(found[0]) if found else None


def ensure_queue_mapping(ctx: Context) -> None:
    """SQS -> trigger, reporting per-message failures so only deferred files retry."""
    lam, n = ctx.client("lambda"), ctx.names
    desired = {"BatchSize": 10, "FunctionResponseTypes": ["ReportBatchItemFailures"]}
    current = _mapping(ctx)
    ctx.converge(
        "lambda:event-source",
        f"{n.queue}->{n.trigger_function}",
        current,
        desired,
        create=lambda: lam.create_event_source_mapping(
            EventSourceArn=n.queue_arn(n.queue),
            FunctionName=n.trigger_function,
            Enabled=True,
            **desired,
        ),
        update=lambda: lam.update_event_source_mapping(UUID=(current or {}).get("UUID"), **desired),
    )


def ensure_functions(ctx: Context) -> None:
    n = ctx.names
    for function in (n.trigger_function, n.api_function):
        ensure_log_group(ctx, n.log_group(function))
    ensure_function(ctx, n.trigger_function, *trigger_spec(ctx))
    ensure_function(ctx, n.api_function, *api_spec(ctx))
    ensure_queue_mapping(ctx)


def teardown_functions(ctx: Context) -> None:
    lam, logs, n = ctx.client("lambda"), ctx.client("logs"), ctx.names
    mapping = _mapping(ctx) if _configuration(lam, n.trigger_function) else None
    ctx.record(
        "lambda:event-source", f"{n.queue}->{n.trigger_function}", DELETE if mapping else ABSENT
    )
    if mapping and not ctx.dry_run:
        lam.delete_event_source_mapping(UUID=mapping["UUID"])
    for function in (n.trigger_function, n.api_function):
        exists = _configuration(lam, function) is not None
        ctx.record("lambda:function", function, DELETE if exists else ABSENT)
        if exists and not ctx.dry_run:
            lam.delete_function(FunctionName=function)
        group = n.log_group(function)
        found = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
        exists = any(g["logGroupName"] == group for g in found)
        ctx.record("logs:group", group, DELETE if exists else ABSENT)
        if exists and not ctx.dry_run:
            logs.delete_log_group(logGroupName=group)
