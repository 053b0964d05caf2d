"""Buckets (private, encrypted, TLS-only), the upload queue with its DLQ, and the
input bucket's event notification."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from botocore.exceptions import ClientError

from deploy.context import ABSENT, DELETE, RETAINED, Context
from deploy.policies import queue_policy, tls_only_bucket_policy

QUEUE_VISIBILITY_SECONDS = 600  # >= 6 x the trigger's 60 s timeout (AWS guidance)
QUEUE_MAX_RECEIVES = 144  # x 10 min = a day of retries before the dead-letter queue
RETENTION_SECONDS = 14 * 24 * 3600
MARKER_DAYS = 90
NONCURRENT_DAYS = 30


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _rule(rule_id: str, prefix: str, **action: Any) -> dict[str, Any]:
    return {"ID": rule_id, "Status": "Enabled", "Filter": {"Prefix": prefix}, **action}


def lifecycle_rules(ctx: Context, bucket: str) -> list[dict[str, Any]]:
    cfg = ctx.config
    rules = [
        _rule(
            "abort-incomplete-uploads",
            "",
            AbortIncompleteMultipartUpload={"DaysAfterInitiation": 7},
        )
    ]
    if bucket == cfg.athena_results_bucket:
        rules.append(
            _rule("expire-query-results", "", Expiration={"Days": cfg.athena_results_expire_days})
        )
    if bucket == cfg.input_bucket:
        rules.append(_rule("expire-run-markers", "_triggers/", Expiration={"Days": MARKER_DAYS}))
        rules.append(
            _rule(
                "expire-replaced-versions",
                "",
                NoncurrentVersionExpiration={"NoncurrentDays": NONCURRENT_DAYS},
            )
        )
    return rules


def desired_bucket(ctx: Context, bucket: str) -> dict[str, Any]:
    """Block public access, SSE by default, TLS only, lifecycle; the input bucket is
    versioned so a quarantine move can never lose an upload."""
    return {
        "PublicAccessBlock": dict.fromkeys(
            ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"),
            True,
        ),
        "Encryption": {
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
        "Policy": tls_only_bucket_policy(ctx.names, bucket),
        "Versioning": "Enabled" if bucket == ctx.config.input_bucket else "",
        "Lifecycle": lifecycle_rules(ctx, bucket),
    }


def _get(call: Any, missing: set[str], pick: Any, **kw: Any) -> Any:
    try:
        return pick(call(**kw))
    except ClientError as exc:
        if _code(exc) in missing:
            return None
        raise


def current_bucket(s3: Any, bucket: str) -> dict[str, Any] | None:
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as exc:
        if _code(exc) in {"404", "NoSuchBucket", "NotFound"}:
            return None
        raise
    return {
        "PublicAccessBlock": _get(
            s3.get_public_access_block,
            {"NoSuchPublicAccessBlockConfiguration"},
            lambda r: r["PublicAccessBlockConfiguration"],
            Bucket=bucket,
        ),
        "Encryption": _get(
            s3.get_bucket_encryption,
            {"ServerSideEncryptionConfigurationNotFoundError"},
            lambda r: r["ServerSideEncryptionConfiguration"],
            Bucket=bucket,
        ),
        "Policy": _get(
            s3.get_bucket_policy, {"NoSuchBucketPolicy"}, lambda r: r["Policy"], Bucket=bucket
        ),
        "Versioning": s3.get_bucket_versioning(Bucket=bucket).get("Status", ""),
        "Lifecycle": _get(
            s3.get_bucket_lifecycle_configuration,
            {"NoSuchLifecycleConfiguration"},
            lambda r: r["Rules"],
            Bucket=bucket,
        ),
    }


def _apply_bucket(ctx: Context, bucket: str, desired: dict[str, Any], create: bool) -> None:
    s3 = ctx.client("s3")
    if create:
        location = (
            {}
            if ctx.config.region == "us-east-1"
            else {"CreateBucketConfiguration": {"LocationConstraint": ctx.config.region}}
        )
        s3.create_bucket(Bucket=bucket, **location)
    s3.put_public_access_block(
        Bucket=bucket, PublicAccessBlockConfiguration=desired["PublicAccessBlock"]
    )
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=desired["Encryption"])
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(desired["Policy"]))
    if desired["Versioning"]:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket, LifecycleConfiguration={"Rules": desired["Lifecycle"]}
    )


def ensure_buckets(ctx: Context) -> None:
    for bucket in ctx.config.buckets:
        desired = desired_bucket(ctx, bucket)
        current = current_bucket(ctx.client("s3"), bucket)
        ctx.converge(
            "s3:bucket",
            bucket,
            current,
            desired,
            create=partial(_apply_bucket, ctx, bucket, desired, create=True),
            update=partial(_apply_bucket, ctx, bucket, desired, create=False),
        )


def queue_url(ctx: Context, name: str) -> str | None:
    try:
        return str(ctx.client("sqs").get_queue_url(QueueName=name)["QueueUrl"])
    except ClientError as exc:
        if "NonExistentQueue" in _code(exc) or _code(exc) == "QueueDoesNotExist":
            return None
        raise


def _ensure_queue(ctx: Context, name: str, attributes: dict[str, str]) -> None:
    sqs = ctx.client("sqs")
    url = queue_url(ctx, name)
    current = None
    if url:
        current = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    ctx.converge(
        "sqs:queue",
        name,
        current,
        attributes,
        create=lambda: sqs.create_queue(QueueName=name, Attributes=attributes),
        update=lambda: sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes),
    )


def ensure_queues(ctx: Context) -> None:
    """The upload queue between S3 and the trigger, and its dead-letter queue."""
    n = ctx.names
    base = {"MessageRetentionPeriod": str(RETENTION_SECONDS), "SqsManagedSseEnabled": "true"}
    _ensure_queue(ctx, n.dlq, base)
    redrive = {"deadLetterTargetArn": n.queue_arn(n.dlq), "maxReceiveCount": QUEUE_MAX_RECEIVES}
    _ensure_queue(
        ctx,
        n.queue,
        {
            **base,
            "VisibilityTimeout": str(QUEUE_VISIBILITY_SECONDS),
            "RedrivePolicy": json.dumps(redrive),
            "Policy": json.dumps(queue_policy(n)),
        },
    )


def ensure_notification(ctx: Context) -> None:
    """Every ObjectCreated in the input bucket goes to the queue (the trigger ignores its
    own quarantine/ and _triggers/ writes)."""
    s3, bucket = ctx.client("s3"), ctx.config.input_bucket
    desired = [
        {
            "Id": "upload-trigger",
            "QueueArn": ctx.names.queue_arn(ctx.names.queue),
            "Events": ["s3:ObjectCreated:*"],
        }
    ]
    current = None
    if current_bucket_exists(s3, bucket):
        current = s3.get_bucket_notification_configuration(Bucket=bucket).get("QueueConfigurations")
    ctx.converge(
        "s3:notification",
        bucket,
        current,
        desired,
        create=lambda: s3.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration={"QueueConfigurations": desired}
        ),
        update=lambda: s3.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration={"QueueConfigurations": desired}
        ),
    )


def current_bucket_exists(s3: Any, bucket: str) -> bool:
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        return False
    return True


def _object_versions(s3: Any, bucket: str) -> list[dict[str, str]]:
    out = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for item in page.get("Versions", []) + page.get("DeleteMarkers", []):
            out.append({"Key": item["Key"], "VersionId": item["VersionId"]})
    return out


def teardown_buckets(ctx: Context) -> None:
    """Delete the buckets; a non-empty bucket is only emptied with --force."""
    s3 = ctx.client("s3")
    for bucket in ctx.config.buckets:
        if not current_bucket_exists(s3, bucket):
            ctx.record("s3:bucket", bucket, ABSENT)
            continue
        objects = _object_versions(s3, bucket)
        # The artifacts bucket only holds what the deployer wrote: always emptied.
        owned = bucket == ctx.config.artifacts_bucket
        if objects and not (ctx.force or owned):
            ctx.record(
                "s3:bucket", bucket, RETAINED, f"{len(objects)} object versions; use --force"
            )
            continue
        ctx.record(
            "s3:bucket", bucket, DELETE, f"{len(objects)} object versions" if objects else ""
        )
        if ctx.dry_run:
            continue
        for start in range(0, len(objects), 1000):
            s3.delete_objects(Bucket=bucket, Delete={"Objects": objects[start : start + 1000]})
        s3.delete_bucket(Bucket=bucket)


def teardown_queues(ctx: Context) -> None:
    """Detach the input bucket's notification first, so it never points at a deleted queue."""
    s3, bucket = ctx.client("s3"), ctx.config.input_bucket
    if current_bucket_exists(s3, bucket):
        found = s3.get_bucket_notification_configuration(Bucket=bucket).get("QueueConfigurations")
        ctx.record("s3:notification", bucket, DELETE if found else ABSENT)
        if found and not ctx.dry_run:
            s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})
    for name in (ctx.names.queue, ctx.names.dlq):
        url = queue_url(ctx, name)
        ctx.record("sqs:queue", name, DELETE if url else ABSENT)
        if url and not ctx.dry_run:
            ctx.client("sqs").delete_queue(QueueUrl=url)
