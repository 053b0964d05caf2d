"""Upload batcher: S3 -> SQS -> this Lambda -> one Step Functions execution per batch.

Lambda's SQS event source gathers the messages of a window (MaximumBatchingWindowInSeconds,
up to BatchSize messages), so files uploaded together arrive in one invocation and become
one execution, hence one Glue run, as long as they fit one execution: Step Functions caps a
state's input and output at 256 KiB and an execution's history at 25,000 events, and the
flow's largest state holds every file twice (its entry and its validation result). A bigger
window is split, in upload order, into executions that fit (``split_to_fit``); the Glue
job runs them one after another. The execution name is derived from the batch's files,
so a redelivered batch starts nothing new (ExecutionAlreadyExists); any other failure
raises and the whole batch is redelivered, then lands in the dead-letter queue (alarmed).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote_plus

import boto3
from botocore.exceptions import ClientError

from contract.jsonlog import configure_logging, event_log

log = event_log("duffbeer.batcher")


def event_key(obj: Mapping[str, Any]) -> str:
    """An S3 event's `s3.object.key`, decoded once. S3 delivers it URL-encoded, `+` for a
    space and `%XX` (UTF-8 bytes) for the rest ("Event message structure",
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html).
    Everything downstream (execution input, validate, quarantine, staging) takes this decoded
    key and never decodes it again, so a literal `+` or `%41` in a key name stays."""
    return unquote_plus(str(obj["key"]))


def uploads(event: Mapping[str, Any], prefix: str) -> list[dict[str, Any]]:
    """The uploaded objects of an SQS batch of S3 notifications, deduplicated, in upload
    order (S3's eventTime, then key), per bucket and cut to fit an execution each; S3 test
    events and keys outside `prefix` are dropped."""
    found: dict[tuple[str, str, str], dict[str, Any]] = {}
    for message in event.get("Records", []):
        body = json.loads(message["body"])
        for record in body.get("Records", []):
            if not str(record.get("eventName", "")).startswith("ObjectCreated"):
                continue
            obj = record["s3"]["object"]
            key = event_key(obj)
            if not key.startswith(prefix):
                continue
            item = {
                "key": key,
                "etag": str(obj.get("eTag", "")).strip('"'),
                "size": int(obj.get("size", 0)),
                "event_time": record.get("eventTime", ""),
            }
            found[(record["s3"]["bucket"]["name"], key, item["etag"])] = item
    by_bucket: dict[str, list[dict[str, Any]]] = {}
    for (bucket, _, _), item in found.items():
        by_bucket.setdefault(bucket, []).append(item)
    return [
        {"bucket": bucket, "files": chunk}
        for bucket, items in sorted(by_bucket.items())
        for chunk in split_to_fit(sorted(items, key=lambda i: (i["event_time"], i["key"])))
    ]


# Step Functions quotas (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html):
# "Maximum input or output size for a task, state, or execution: 256 KiB of data as a
# UTF-8 encoded string", and "Maximum execution history size: 25,000 events".
MAX_STATE_BYTES = 256 * 1024
MAX_HISTORY_EVENTS = 25_000
# The rest of the flow's largest state (the Alert state's input): the batch id, the bucket,
# the input path, and an error whose cause Step Functions caps at 32,768 characters.
STATE_RESERVE_BYTES = 48 * 1024
# An inline Map writes 7 history events per file (iteration started and succeeded, and the
# validate task's entered, scheduled, started, succeeded, exited), 3 more per Lambda retry:
# 1,000 files stay under 25,000 with every retry the flow allows on a third of them.
MAX_FILES_PER_EXECUTION = 1000
# The longest validation result a file can get besides its own fields (lambdas/steps.py
# validate_file: status, and a reason or a size).
_RESULT = {"status": "quarantined", "reason": "x" * 64, "size": 5 * 1024**4}


def _utf8_json(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False).encode())


def state_bytes(file: Mapping[str, Any]) -> int:
    """The most one file adds to the flow's largest state: its entry in ``files`` and its
    longest possible validation result in ``validated``, in UTF-8 JSON bytes (what Step
    Functions counts)."""
    return _utf8_json(file) + _utf8_json({**file, **_RESULT}) + 4  # two ", " separators


def split_to_fit(files: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """``files`` in order, cut into runs of consecutive files that each fit one execution:
    at most MAX_FILES_PER_EXECUTION, and their state_bytes within the 256 KiB less the
    reserve. The same files always cut the same way (a redelivery starts nothing new)."""
    budget = MAX_STATE_BYTES - STATE_RESERVE_BYTES
    chunks: list[list[dict[str, Any]]] = [[]]
    used = 0
    for file in files:
        cost = state_bytes(file)
        if chunks[-1] and (used + cost > budget or len(chunks[-1]) >= MAX_FILES_PER_EXECUTION):
            chunks.append([])
            used = 0
        chunks[-1].append(file)
        used += cost
    return chunks


def batch_id(files: list[dict[str, Any]], now: float) -> str:
    """`b-<UTC time>-<hash of the files>`: a valid execution name and Glue run id."""
    digest = hashlib.sha256(
        "\n".join(f"{f['key']}\t{f['etag']}" for f in files).encode()
    ).hexdigest()[:16]
    return f"b-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(now))}-{digest}"


def start_batches(
    event: Mapping[str, Any], sfn: Any, state_machine_arn: str, prefix: str, now: float
) -> list[str]:
    """Start one execution per bucket's batch; returns the batch ids."""
    started = []
    for batch in uploads(event, prefix):
        # The time part comes from the first upload, so a redelivery maps to the same id.
        first = batch["files"][0]["event_time"]
        stamp = _epoch(first) if first else now
        bid = batch_id(batch["files"], stamp)
        doc = {"batch_id": bid, **batch}
        try:
            sfn.start_execution(stateMachineArn=state_machine_arn, name=bid, input=json.dumps(doc))
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ExecutionAlreadyExists":
                raise
            log("batch_duplicate", batch_id=bid)
            continue
        log("batch_started", batch_id=bid, files=[f["key"] for f in batch["files"]])
        started.append(bid)
    return started


def _epoch(iso: str) -> float:
    """S3's eventTime (``2026-11-30T22:15:00.123Z``) as epoch seconds."""
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point (`lambdas.batcher.handler`)."""
    configure_logging()
    started = start_batches(
        event,
        boto3.client("stepfunctions"),
        os.environ["STATE_MACHINE_ARN"],
        os.environ.get("UPLOAD_PREFIX", "incoming/"),
        time.time(),
    )
    return {"batches": started}
