"""The state machine's Lambda steps (deploy/flow.py), one function dispatching on "step".

* ``validate``: one uploaded file -> ``valid``, ``quarantined`` (with its sidecar, the
  upload validation's checks and quarantine move) or ``gone`` (already handled).
* ``stage``: the batch's valid files move under ``batches/<batch_id>/`` (copy on the
  ETag, then delete the upload) and the batch record ``_batches/<batch_id>.json`` says
  ``running``; returns the Glue job's input path.
* ``record``: the batch record becomes ``succeeded`` (with the Glue run id) or ``failed``
  (with the error), so ``make status`` can list what failed and which files it held. A
  succeeded batch counts ``BatchesSucceeded`` and reports its run's ``RowsRejectedPercent``.
* ``alerted``: counts ``BatchesAlerted`` once the failed batch's alert is published.

Every step is idempotent: Step Functions may retry it.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from contract.jsonlog import configure_logging, event_log
from contract.orders import upload_time_segment
from contract.runs import RUNS_DIR
from lambdas.s3_ops import fit_key, is_missing
from lambdas.validation import Clients, Settings, emit_metric, reject, validate

log = event_log("duffbeer.steps")
BATCHES_PREFIX = "batches/"
RECORDS_PREFIX = "_batches/"
VALID, QUARANTINED, GONE = "valid", "quarantined", "gone"
RUNNING, SUCCEEDED, FAILED = "running", "succeeded", "failed"


@dataclass(frozen=True)
class StepSettings:
    upload_prefix: str
    checks: Settings
    # The bucket the job writes its run reports to (``_runs/<batch_id>.json``); empty = none.
    processed_bucket: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> StepSettings:
        return cls(
            upload_prefix=env.get("UPLOAD_PREFIX", "incoming/"),
            checks=Settings.from_env(env),
            processed_bucket=env.get("PROCESSED_BUCKET", ""),
        )


def validate_file(
    clients: Clients, settings: StepSettings, bucket: str, file: Mapping[str, Any]
) -> dict[str, Any]:
    """The upload checks on one upload; a bad file is quarantined with its sidecar.
    `file["key"]` is the object's real key, already decoded by the batcher
    (`lambdas.batcher.event_key`): S3 calls take it as is, boto3 encodes it on the wire."""
    key, etag = str(file["key"]), str(file.get("etag", ""))
    out = {"key": key, "etag": etag, "event_time": file.get("event_time")}
    try:
        head = clients.s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if not is_missing(exc):
            raise
        return {**out, "status": GONE, "reason": "object_gone"}
    if etag and head["ETag"].strip('"') != etag:
        # A newer upload replaced it: that one has its own event and batch.
        return {**out, "status": GONE, "reason": "replaced"}
    rejection = validate(clients, settings.checks, bucket, key, head)
    if rejection:
        reject(clients, settings.checks, bucket, key, head, rejection)
        return {**out, "status": QUARANTINED, "reason": rejection.reason}
    return {**out, "etag": head["ETag"].strip('"'), "size": head["ContentLength"], "status": VALID}


def staged_key(settings: StepSettings, batch: str, file: Mapping[str, Any]) -> str:
    """`batches/<batch>/<upload time>/<key below the upload prefix>`, shortened by
    ``fit_key`` when that is over S3's key limit. A copy's S3 LastModified is its copy time,
    so the job takes a staged file's upload time from this path
    (``contract.orders.staged_upload_time``) to order versions by."""
    uploaded = upload_time_segment(str(file.get("event_time") or ""))
    relative = str(file["key"]).removeprefix(settings.upload_prefix)
    return fit_key(f"{BATCHES_PREFIX}{batch}/{uploaded}/", relative)


def _move(s3: Any, bucket: str, key: str, etag: str, target: str) -> bool:
    """Copy on the ETag, then delete the upload if it still has that ETag. A retry after
    the delete finds the copy and counts it as staged."""
    try:
        s3.copy_object(
            Bucket=bucket,
            Key=target,
            CopySource={"Bucket": bucket, "Key": key},
            CopySourceIfMatch=f'"{etag}"',
            MetadataDirective="COPY",
        )
    except ClientError as exc:
        if not is_missing(exc):
            raise
        try:
            s3.head_object(Bucket=bucket, Key=target)
        except ClientError as missing:
            if is_missing(missing):
                return False
            raise
        return True
    head = s3.head_object(Bucket=bucket, Key=key)
    if head["ETag"].strip('"') == etag:
        s3.delete_object(Bucket=bucket, Key=key)
    return True


def write_record(s3: Any, bucket: str, batch: str, record: dict[str, Any]) -> None:
    s3.put_object(
        Bucket=bucket,
        Key=f"{RECORDS_PREFIX}{batch}.json",
        Body=json.dumps(record, indent=2, sort_keys=True, default=str).encode(),
        ContentType="application/json",
    )


def read_record(s3: Any, bucket: str, batch: str) -> dict[str, Any]:
    body = s3.get_object(Bucket=bucket, Key=f"{RECORDS_PREFIX}{batch}.json")["Body"].read()
    return dict(json.loads(body))


def stage_batch(
    clients: Clients,
    settings: StepSettings,
    bucket: str,
    batch: str,
    files: list[Mapping[str, Any]],
) -> dict[str, Any]:
    """Move the valid files under batches/<batch>/ and record the batch as running."""
    entries = []
    for file in files:
        entry = dict(file)
        if file["status"] == VALID:
            target = staged_key(settings, batch, file)
            moved = _move(clients.s3, bucket, str(file["key"]), str(file["etag"]), target)
            entry.update(staged=target) if moved else entry.update(status=GONE, reason="replaced")
        entries.append(entry)
    valid = sum(1 for e in entries if e["status"] == VALID)
    input_path = f"s3://{bucket}/{BATCHES_PREFIX}{batch}/"
    record = {
        "batch_id": batch,
        "state": RUNNING if valid else SUCCEEDED,
        "input_path": input_path,
        "files": entries,
        "updated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    write_record(clients.s3, bucket, batch, record)
    log("batch_staged", batch_id=batch, valid=valid, files=len(entries))
    return {"batch_id": batch, "bucket": bucket, "input_path": input_path, "valid": valid}


# Counted once per batch whose Glue run succeeded: the alarm on it says when none did for a
# day (deploy/template_app.py ``alerts``).
BATCHES_SUCCEEDED = "BatchesSucceeded"
# Counted once per failed batch whose alert was published: ExecutionsFailed minus this is
# the failures nobody was told about.
BATCHES_ALERTED = "BatchesAlerted"
# The share of a succeeded run's rows that went to rejected_orders, from its run report.
ROWS_REJECTED_PERCENT = "RowsRejectedPercent"


def rows_rejected_percent(report: Mapping[str, Any]) -> float | None:
    """100 * rows_rejected / rows_read of a run report; None for a run that read no rows."""
    totals = report.get("totals") or {}
    read, rejected = totals.get("rows_read"), totals.get("rows_rejected")
    if not isinstance(read, int) or not isinstance(rejected, int) or read <= 0:
        return None
    return 100.0 * rejected / read


def report_rejected_share(clients: Clients, settings: StepSettings, batch: str) -> None:
    """Publish the run's rejected share; an unreadable report or a metrics outage is logged,
    never fails the step (the batch itself succeeded)."""
    if not settings.processed_bucket:
        return
    key = f"{RUNS_DIR}/{batch}.json"
    try:
        body = clients.s3.get_object(Bucket=settings.processed_bucket, Key=key)["Body"].read()
        share = rows_rejected_percent(json.loads(body))
    except (ClientError, ValueError) as exc:
        code = exc.response["Error"]["Code"] if isinstance(exc, ClientError) else "unreadable"
        log("run_report_unreadable", batch_id=batch, key=key, error=code)
        return
    if share is None:
        return
    datum = {"MetricName": ROWS_REJECTED_PERCENT, "Value": share, "Unit": "Percent"}
    try:
        clients.cloudwatch.put_metric_data(
            Namespace=settings.checks.metric_namespace, MetricData=[datum]
        )
    except ClientError as exc:
        log("metric_failed", metric=ROWS_REJECTED_PERCENT, error=exc.response["Error"]["Code"])


def record_outcome(
    clients: Clients, settings: StepSettings, bucket: str, batch: str, event: Mapping[str, Any]
) -> None:
    record = read_record(clients.s3, bucket, batch)
    record.update(
        state=event["state"],
        updated_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )
    for field in ("glue", "error"):
        if field in event:
            record[field] = event[field]
    write_record(clients.s3, bucket, batch, record)
    log("batch_" + str(event["state"]), batch_id=batch)
    if event["state"] == SUCCEEDED:
        emit_metric(clients, settings.checks, BATCHES_SUCCEEDED, None)
        report_rejected_share(clients, settings, batch)


def handle(event: Mapping[str, Any], settings: StepSettings, clients: Clients) -> Any:
    step, bucket = event["step"], str(event["bucket"])
    if step == "validate":
        return validate_file(clients, settings, bucket, event["file"])
    if step == "stage":
        return stage_batch(clients, settings, bucket, str(event["batch_id"]), event["files"])
    if step == "record":
        record_outcome(clients, settings, bucket, str(event["batch_id"]), event)
        return {"batch_id": event["batch_id"], "state": event["state"]}
    if step == "alerted":
        emit_metric(clients, settings.checks, BATCHES_ALERTED, None)
        log("batch_alerted", batch_id=event["batch_id"])
        return {"batch_id": event["batch_id"]}
    raise ValueError(f"unknown step {step!r}")


def handler(event: Mapping[str, Any], context: Any) -> Any:
    """Lambda entry point (`lambdas.steps.handler`)."""
    configure_logging()
    clients = Clients.default()
    return handle(event, StepSettings.from_env(os.environ), clients)
