"""What the deployed pipeline still holds: `make status` (`--json` for machines).

Every upload ends in exactly one place, so listing them is the whole picture:
* pending: still under the upload prefix (waiting for its batch window, or its batch
  never started: then its event is in the dead-letter queue, counted here too);
* running / failed: batch records `_batches/<id>.json` and the files each one staged
  under `batches/<id>/` (a failed batch keeps its files there for a redrive);
* quarantined: `quarantine/<key>` with its `.reason.json` sidecar;
* processed: succeeded batches (their Glue run's report is `_runs/<batch id>.json`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deploy.config import DEFAULT_CONFIG, load_config
from deploy.deployment import stack_names
from deploy.names import BATCH_RECORDS_PREFIX, QUARANTINE_PREFIX, Names
from lambdas.s3_ops import SIDECAR_SUFFIX

SIDECAR = SIDECAR_SUFFIX


def _keys(s3: Any, bucket: str, prefix: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        out += page.get("Contents", [])
    return out


def _queue_depth(sqs: Any, name: str) -> int:
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    attrs = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(v) for v in attrs.values())


def collect_status(s3: Any, sqs: Any, names: Names) -> dict[str, Any]:
    bucket = names.bucket("input")
    batches: dict[str, list[dict[str, Any]]] = {"running": [], "failed": [], "succeeded": []}
    for item in _keys(s3, bucket, BATCH_RECORDS_PREFIX):
        record = json.loads(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read())
        summary = {
            "batch_id": record["batch_id"],
            "updated_at": record.get("updated_at"),
            "files": [f["key"] for f in record.get("files", []) if f.get("status") == "valid"],
        }
        if record.get("error"):
            summary["error"] = record["error"]
        batches.setdefault(record["state"], []).append(summary)
    quarantined = [
        o["Key"].removeprefix(QUARANTINE_PREFIX)
        for o in _keys(s3, bucket, QUARANTINE_PREFIX)
        if not o["Key"].endswith(SIDECAR)
    ]
    return {
        "pending": [o["Key"] for o in _keys(s3, bucket, names.upload_prefix)],
        "queued_events": _queue_depth(sqs, names.queue),
        "dead_letter_events": _queue_depth(sqs, names.dlq),
        "running": batches["running"],
        "failed": batches["failed"],
        "processed_batches": len(batches["succeeded"]),
        "quarantined": quarantined,
    }


def render(status: dict[str, Any]) -> str:
    lines = [
        f"pending uploads: {len(status['pending'])}  (events queued: {status['queued_events']}, "
        f"dead-lettered: {status['dead_letter_events']})",
        *[f"  {key}" for key in status["pending"]],
        f"running batches: {len(status['running'])}",
        *[f"  {b['batch_id']}: {len(b['files'])} files" for b in status["running"]],
        f"failed batches: {len(status['failed'])}",
    ]
    for batch in status["failed"]:
        lines.append(f"  {batch['batch_id']}: {batch.get('error', {}).get('Error', '?')}")
        lines += [f"    {key}" for key in batch["files"]]
    lines.append(f"processed batches: {status['processed_batches']}")
    lines.append(
        f"quarantined files: {len(status['quarantined'])} (reasons: quarantine/*{SIDECAR})"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None, session: boto3.Session | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument("--stack")
    parser.add_argument("--region")
    parser.add_argument("--endpoint-url")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    overrides = {"stack": args.stack, "region": args.region, "endpoint_url": args.endpoint_url}
    config = load_config(args.config, overrides)
    session = session or boto3.Session(region_name=config.region)

    def client(service: str) -> Any:
        return session.client(
            service, region_name=config.region, endpoint_url=config.endpoint_url or None
        )

    names = stack_names(config, client("sts").get_caller_identity()["Account"])
    status = collect_status(client("s3"), client("sqs"), names)
    print(json.dumps(status, indent=2, default=str) if args.json else render(status))
    return 1 if status["failed"] or status["dead_letter_events"] else 0


if __name__ == "__main__":
    sys.exit(main())
