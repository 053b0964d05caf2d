"""Upload trigger: validate each new order file, then start the Glue job for it.

Deployed behind an SQS queue (S3 -> SQS -> this Lambda, partial batch responses):
a file that cannot start yet (the job is at MaxConcurrentRuns) is reported as a
batch item failure, so SQS redelivers it after the visibility timeout, and after
`maxReceiveCount` attempts it lands in the dead-letter queue (alarmed) - never
dropped. Direct S3 events are accepted too; then a deferral raises so Lambda's
async retries apply.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

import boto3
from botocore.exceptions import ClientError

from lambdas.file_checks import HEADER_BYTES, Rejection, check_header, check_object
from lambdas.s3_ops import STARTED, MarkerStore, error_code, is_missing, quarantine, run_id_for

LOG = logging.getLogger("duffbeer.trigger")
LOG.setLevel(logging.INFO)


class RunDeferredError(Exception):
    """The file is valid but cannot start now; its message must be redelivered."""


@dataclass(frozen=True)
class Settings:
    """Trigger configuration, read from the Lambda environment."""

    job_name: str
    max_bytes: int = 1024**3
    header_bytes: int = HEADER_BYTES
    quarantine_prefix: str = "quarantine/"
    marker_prefix: str = "_triggers/"
    metric_namespace: str = "DuffBeer/Trigger"
    claim_stale_seconds: float = 900.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        return cls(
            job_name=env["JOB_NAME"],
            max_bytes=int(env.get("MAX_FILE_BYTES", cls.max_bytes)),
            header_bytes=int(env.get("HEADER_BYTES", cls.header_bytes)),
            quarantine_prefix=env.get("QUARANTINE_PREFIX", cls.quarantine_prefix),
            marker_prefix=env.get("MARKER_PREFIX", cls.marker_prefix),
            metric_namespace=env.get("METRIC_NAMESPACE", cls.metric_namespace),
            claim_stale_seconds=float(env.get("CLAIM_STALE_SECONDS", cls.claim_stale_seconds)),
        )


@dataclass(frozen=True)
class Clients:
    s3: Any
    glue: Any
    cloudwatch: Any

    @classmethod
    def default(cls) -> Clients:
        return cls(boto3.client("s3"), boto3.client("glue"), boto3.client("cloudwatch"))


def log(event: str, level: int = logging.INFO, **fields: Any) -> None:
    """One JSON object per line, so CloudWatch Logs Insights can filter on fields."""
    LOG.log(level, json.dumps({"event": event, **fields}, default=str, sort_keys=True))


def emit_metric(clients: Clients, settings: Settings, name: str, reason: str | None) -> None:
    """Count an outcome; a metrics outage must not block or fail a file."""
    # Undimensioned total (what the alarm watches) plus a per-reason breakdown.
    data: list[dict[str, Any]] = [{"MetricName": name, "Value": 1.0, "Unit": "Count"}]
    if reason:
        dims = [{"Name": "Reason", "Value": reason}]
        data.append({"MetricName": name, "Value": 1.0, "Unit": "Count", "Dimensions": dims})
    try:
        clients.cloudwatch.put_metric_data(Namespace=settings.metric_namespace, MetricData=data)
    except ClientError as exc:
        log("metric_failed", logging.WARNING, metric=name, error=error_code(exc))


def reject(
    clients: Clients,
    settings: Settings,
    bucket: str,
    key: str,
    head: dict[str, Any],
    why: Rejection,
) -> str:
    sidecar = {
        "reason": why.reason,
        "detail": why.detail,
        "source": f"s3://{bucket}/{key}",
        "etag": head["ETag"].strip('"'),
        "size": head["ContentLength"],
        "quarantined_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    target = quarantine(clients.s3, bucket, key, head["ETag"], settings.quarantine_prefix, sidecar)
    log("file_rejected", logging.WARNING, **sidecar, quarantine=f"s3://{bucket}/{target}")
    emit_metric(clients, settings, "FilesRejected", why.reason)
    return "quarantined"


def validate(
    clients: Clients, settings: Settings, bucket: str, key: str, head: dict[str, Any]
) -> Rejection | None:
    """Size/extension first, then a ranged GET of the header (never the whole file)."""
    size = int(head["ContentLength"])
    rejection = check_object(key, size, settings.max_bytes)
    if rejection:
        return rejection
    end = min(size, settings.header_bytes) - 1
    obj = clients.s3.get_object(
        Bucket=bucket, Key=key, Range=f"bytes=0-{end}", IfMatch=head["ETag"]
    )
    return check_header(obj["Body"].read(), complete=end + 1 >= size)


def start_run(clients: Clients, settings: Settings, bucket: str, key: str, run_id: str) -> str:
    """Claim the run id, start the job; on concurrency limits release and defer."""
    markers = MarkerStore(clients.s3, bucket, settings.marker_prefix)
    source = f"s3://{bucket}/{key}"
    if not markers.claim(run_id, source, settings.claim_stale_seconds):
        marker = markers.read(run_id)
        if marker and marker.state == STARTED:
            log("duplicate_event", run_id=run_id, source=source, job_run_id=marker.job_run_id)
            return "duplicate"
        raise RunDeferredError(f"run {run_id} is being started by another delivery")
    args = {"--input_path": source, "--run_id": run_id}
    try:
        job_run_id = clients.glue.start_job_run(JobName=settings.job_name, Arguments=args)[
            "JobRunId"
        ]
    except ClientError as exc:
        markers.release(run_id)
        if error_code(exc) in {"ConcurrentRunsExceededException", "ThrottlingException"}:
            log("run_deferred", run_id=run_id, source=source, error=error_code(exc))
            emit_metric(clients, settings, "RunsDeferred", None)
            raise RunDeferredError(f"{error_code(exc)} for {source}") from exc
        raise
    markers.complete(run_id, source, job_run_id)
    log("run_started", run_id=run_id, source=source, job_run_id=job_run_id)
    emit_metric(clients, settings, "FilesAccepted", None)
    return "started"


def process_object(clients: Clients, settings: Settings, bucket: str, raw_key: str) -> str:
    """Handle one uploaded object; returns the outcome, raises RunDeferredError to defer."""
    key = unquote_plus(raw_key)
    if key.startswith((settings.quarantine_prefix, settings.marker_prefix)):
        return "ignored"
    try:
        head = clients.s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if not is_missing(exc):
            raise
        log("object_gone", logging.WARNING, source=f"s3://{bucket}/{key}")
        return "gone"
    run_id = run_id_for(bucket, key, head["ETag"])
    marker = MarkerStore(clients.s3, bucket, settings.marker_prefix).read(run_id)
    if marker and marker.state == STARTED:
        log("duplicate_event", run_id=run_id, source=f"s3://{bucket}/{key}")
        return "duplicate"
    rejection = validate(clients, settings, bucket, key, head)
    if rejection:
        return reject(clients, settings, bucket, key, head, rejection)
    return start_run(clients, settings, bucket, key, run_id)


def s3_records(event: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(bucket, raw key) of every ObjectCreated record; S3 test events yield none."""
    out = []
    for record in event.get("Records", []):
        if str(record.get("eventName", "")).startswith("ObjectCreated"):
            out.append((record["s3"]["bucket"]["name"], record["s3"]["object"]["key"]))
    return out


def handle_sqs(event: Mapping[str, Any], settings: Settings, clients: Clients) -> dict[str, Any]:
    """Partial batch response: only failed messages go back to the queue."""
    failures = []
    for message in event["Records"]:
        try:
            for bucket, key in s3_records(json.loads(message["body"])):
                outcome = process_object(clients, settings, bucket, key)
                log("object_done", outcome=outcome, bucket=bucket, key=unquote_plus(key))
        except RunDeferredError as exc:
            log("message_retry", message_id=message["messageId"], reason=str(exc))
            failures.append({"itemIdentifier": message["messageId"]})
        except Exception as exc:  # keep the message: it retries, then goes to the DLQ
            log("message_failed", logging.ERROR, message_id=message["messageId"], error=repr(exc))
            failures.append({"itemIdentifier": message["messageId"]})
    return {"batchItemFailures": failures}


def handle_event(event: Mapping[str, Any], settings: Settings, clients: Clients) -> dict[str, Any]:
    records = event.get("Records", [])
    if records and records[0].get("eventSource") == "aws:sqs":
        return handle_sqs(event, settings, clients)
    outcomes = [process_object(clients, settings, b, k) for b, k in s3_records(event)]
    return {"outcomes": outcomes}


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point (`lambdas.trigger.handler`)."""
    return handle_event(event, Settings.from_env(os.environ), Clients.default())
