"""The upload checks and the quarantine move, run by the state machine's "validate" step
(lambdas/steps.py) before any Spark starts: `validate` (extension, size, the job's own
header check on a ranged GET) and `reject` (copy to quarantine/ on the ETag, a reason
sidecar, then delete the upload; a log line and the FilesRejected metric).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError

from contract.jsonlog import event_log
from contract.orders import HEADER_MAX_BYTES
from lambdas.file_checks import Rejection, check_header, check_object
from lambdas.s3_ops import error_code, quarantine

log = event_log("duffbeer.validation")


@dataclass(frozen=True)
class Settings:
    """Check configuration, read from the Lambda environment."""

    max_bytes: int = 1024**3
    header_bytes: int = HEADER_MAX_BYTES
    quarantine_prefix: str = "quarantine/"
    metric_namespace: str = "DuffBeer/Trigger"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        return cls(
            max_bytes=int(env.get("MAX_FILE_BYTES", cls.max_bytes)),
            header_bytes=int(env.get("HEADER_BYTES", cls.header_bytes)),
            quarantine_prefix=env.get("QUARANTINE_PREFIX", cls.quarantine_prefix),
            metric_namespace=env.get("METRIC_NAMESPACE", cls.metric_namespace),
        )


@dataclass(frozen=True)
class Clients:
    s3: Any
    cloudwatch: Any

    @classmethod
    def default(cls) -> Clients:
        return cls(boto3.client("s3"), boto3.client("cloudwatch"))


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
