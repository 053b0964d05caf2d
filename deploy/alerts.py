"""Alerting: an SNS topic, an EventBridge rule for failed/timed-out Glue runs, and
CloudWatch alarms on Lambda errors, the dead-letter queue and rejected files."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from botocore.exceptions import ClientError

from deploy.context import ABSENT, DELETE, Context
from deploy.names import METRIC_NAMESPACE
from deploy.policies import topic_policy


def _topic_attributes(ctx: Context) -> dict[str, Any] | None:
    try:
        return dict(
            ctx.client("sns").get_topic_attributes(TopicArn=ctx.names.topic_arn)["Attributes"]
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] in {"NotFound", "NotFoundException"}:
            return None
        raise


def ensure_topic(ctx: Context) -> None:
    sns, n = ctx.client("sns"), ctx.names
    policy = json.dumps(topic_policy(n))
    desired = {"Policy": policy}

    def create() -> None:
        sns.create_topic(Name=n.topic, Attributes={"Policy": policy})

    def update() -> None:
        sns.set_topic_attributes(
            TopicArn=n.topic_arn, AttributeName="Policy", AttributeValue=policy
        )

    ctx.converge("sns:topic", n.topic, _topic_attributes(ctx), desired, create, update)
    email = ctx.config.alert_email
    if email:
        subs = (
            []
            if ctx.dry_run and _topic_attributes(ctx) is None
            else sns.list_subscriptions_by_topic(TopicArn=n.topic_arn)["Subscriptions"]
        )
        current = next(({"Endpoint": s["Endpoint"]} for s in subs if s["Endpoint"] == email), None)
        ctx.converge(
            "sns:subscription",
            email,
            current,
            {"Endpoint": email},
            lambda: sns.subscribe(TopicArn=n.topic_arn, Protocol="email", Endpoint=email),
        )


def job_failed_pattern(ctx: Context) -> dict[str, Any]:
    return {
        "source": ["aws.glue"],
        "detail-type": ["Glue Job State Change"],
        "detail": {"jobName": [ctx.names.job], "state": ["FAILED", "TIMEOUT", "ERROR"]},
    }


def ensure_job_failed_rule(ctx: Context) -> None:
    events, n = ctx.client("events"), ctx.names
    desired = {"EventPattern": json.dumps(job_failed_pattern(ctx)), "State": "ENABLED"}
    try:
        current: dict[str, Any] | None = events.describe_rule(Name=n.job_failed_rule)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        current = None
    if current is not None:
        targets = events.list_targets_by_rule(Rule=n.job_failed_rule)["Targets"]
        current = {**current, "Targets": [{"Id": t["Id"], "Arn": t["Arn"]} for t in targets]}
    target = {"Id": "alerts-topic", "Arn": n.topic_arn}

    def put() -> None:
        events.put_rule(
            Name=n.job_failed_rule, Description="Glue job failed or timed out", **desired
        )
        events.put_targets(Rule=n.job_failed_rule, Targets=[target])

    ctx.converge(
        "events:rule", n.job_failed_rule, current, {**desired, "Targets": [target]}, put, put
    )


def alarm_definitions(ctx: Context) -> list[dict[str, Any]]:
    n, stack = ctx.names, ctx.config.stack
    common = {
        "Statistic": "Sum",
        "Period": 300,
        "EvaluationPeriods": 1,
        "Threshold": 1.0,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": "notBreaching",
        "AlarmActions": [n.topic_arn],
    }
    alarms = [
        {
            "AlarmName": f"{fn}-errors",
            "Namespace": "AWS/Lambda",
            "MetricName": "Errors",
            "Dimensions": [{"Name": "FunctionName", "Value": fn}],
            "AlarmDescription": f"Lambda {fn} raised errors",
            **common,
        }
        for fn in (n.trigger_function, n.api_function)
    ]
    alarms.append(
        {
            "AlarmName": f"{stack}-upload-dlq-not-empty",
            "Namespace": "AWS/SQS",
            "MetricName": "ApproximateNumberOfMessagesVisible",
            "Dimensions": [{"Name": "QueueName", "Value": n.dlq}],
            "AlarmDescription": "Uploads that could not start for a day: redrive them",
            **{**common, "Statistic": "Maximum"},
        }
    )
    alarms.append(
        {
            "AlarmName": f"{stack}-files-rejected",
            "Namespace": METRIC_NAMESPACE,
            "MetricName": "FilesRejected",
            "Dimensions": [],
            "AlarmDescription": "Uploaded files were quarantined (see quarantine/*.reason.json)",
            **common,
        }
    )
    return alarms


def ensure_alarms(ctx: Context) -> None:
    cw = ctx.client("cloudwatch")
    desired_all = alarm_definitions(ctx)
    names = [a["AlarmName"] for a in desired_all]
    existing = {a["AlarmName"]: a for a in cw.describe_alarms(AlarmNames=names)["MetricAlarms"]}
    for desired in desired_all:
        ctx.converge(
            "cloudwatch:alarm",
            desired["AlarmName"],
            existing.get(desired["AlarmName"]),
            desired,
            partial(cw.put_metric_alarm, **desired),
            partial(cw.put_metric_alarm, **desired),
        )


def teardown_alerts(ctx: Context) -> None:
    cw, events, sns, n = (
        ctx.client("cloudwatch"),
        ctx.client("events"),
        ctx.client("sns"),
        ctx.names,
    )
    names = [a["AlarmName"] for a in alarm_definitions(ctx)]
    existing = {a["AlarmName"] for a in cw.describe_alarms(AlarmNames=names)["MetricAlarms"]}
    for name in names:
        ctx.record("cloudwatch:alarm", name, DELETE if name in existing else ABSENT)
    if existing and not ctx.dry_run:
        cw.delete_alarms(AlarmNames=sorted(existing))
    rules = events.list_rules(NamePrefix=n.job_failed_rule)["Rules"]
    rule = any(r["Name"] == n.job_failed_rule for r in rules)
    ctx.record("events:rule", n.job_failed_rule, DELETE if rule else ABSENT)
    if rule and not ctx.dry_run:
        ids = [t["Id"] for t in events.list_targets_by_rule(Rule=n.job_failed_rule)["Targets"]]
        if ids:
            events.remove_targets(Rule=n.job_failed_rule, Ids=ids)
        events.delete_rule(Name=n.job_failed_rule)
    topic = _topic_attributes(ctx) is not None
    ctx.record("sns:topic", n.topic, DELETE if topic else ABSENT)
    if topic and not ctx.dry_run:
        sns.delete_topic(TopicArn=n.topic_arn)
