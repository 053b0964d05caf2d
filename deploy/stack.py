"""The whole stack, in dependency order (and the reverse for teardown)."""

from __future__ import annotations

from collections import Counter

from deploy import alerts, apigw, athena, functions, glue, iam, storage
from deploy.context import RETAINED, Change, Context

DEPLOY_STEPS = (
    storage.ensure_buckets,
    storage.ensure_queues,
    storage.ensure_notification,
    alerts.ensure_topic,
    iam.ensure_roles,
    glue.ensure_artifacts,
    glue.ensure_database,
    glue.ensure_job,
    glue.ensure_crawler,
    athena.ensure_workgroup,
    athena.ensure_tables,
    functions.ensure_functions,
    apigw.ensure_api,
    alerts.ensure_job_failed_rule,
    alerts.ensure_alarms,
)

TEARDOWN_STEPS = (
    alerts.teardown_alerts,
    apigw.teardown_api,
    functions.teardown_functions,
    athena.teardown_athena,
    glue.teardown_glue,
    iam.teardown_roles,
    storage.teardown_queues,
    storage.teardown_buckets,
)


def deploy(ctx: Context) -> list[Change]:
    for step in DEPLOY_STEPS:
        step(ctx)
    return ctx.changes


def teardown(ctx: Context) -> list[Change]:
    for step in TEARDOWN_STEPS:
        step(ctx)
    return ctx.changes


def summary(changes: list[Change]) -> str:
    counts = Counter(c.action for c in changes)
    return ", ".join(f"{n} {action}" for action, n in sorted(counts.items()))


def incomplete(changes: list[Change]) -> bool:
    """True when teardown had to keep something (a non-empty bucket without --force)."""
    return any(c.action == RETAINED for c in changes)
