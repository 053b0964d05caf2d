"""The smoke test after a first deploy (`make smoke`): what only a real AWS account can
confirm, in one command. It uploads the shipped sample under the upload prefix, waits for
the batch the flow makes of it to end (its record ``_batches/<batch id>.json``), then calls
the three endpoints with the stack's API key and checks each answers 200 with the sample's
rows. Every step prints one line; the first failing one stops it with its reason.

The AWS clients and the HTTP getter are passed in, so the same steps run against the local
twins in tests/aws/test_aws_smoke.py (moto for S3, the deployed definition run locally, the
API under uvicorn)."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambdas.steps import RECORDS_PREFIX

# The sample's orders (data/sample/README.md): dated 2026-11-20 .. 2026-11-22, client C00101.
WINDOW = "from=2026-11-20&to=2026-11-22"
ENDPOINTS = (
    f"orders/C00101?{WINDOW}",
    f"sales-by-product?{WINDOW}",
    f"order-status-report?{WINDOW}",
)
ENDED = ("succeeded", "failed")

Get = Callable[[str], tuple[int, Any]]  # url -> (status, parsed JSON body)


class SmokeError(RuntimeError):
    """A step of the smoke test failed; the message says which and why."""


@dataclass(frozen=True)
class Target:
    bucket: str  # the input bucket
    upload_prefix: str
    api_url: str  # ends with "/"


def upload_sample(s3: Any, target: Target, sample: Path, run: str) -> list[str]:
    """Every CSV of ``sample`` under ``<upload prefix>smoke-<run>/``; their keys."""
    keys = []
    for path in sorted(sample.glob("*.csv")):
        key = f"{target.upload_prefix}smoke-{run}/{path.name}"
        s3.put_object(Bucket=target.bucket, Key=key, Body=path.read_bytes())
        keys.append(key)
    if not keys:
        raise SmokeError(f"upload: no CSV file in {sample}")
    return keys


def _records_since(s3: Any, bucket: str, since: dt.datetime) -> Iterable[dict[str, Any]]:
    """The batch records written since ``since``: a batch of the sample can be no older, so
    the older records (kept 90 days) are listed but never read."""
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=RECORDS_PREFIX)
    for page in pages:
        for item in page.get("Contents", []):
            if item["LastModified"] >= since:
                body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
                yield json.loads(body)


def wait_for_batch(
    s3: Any,
    target: Target,
    keys: list[str],
    timeout: float,
    since: dt.datetime,
    poll: float = 15.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> list[dict[str, Any]]:
    """The records of the batches holding ``keys`` (one, or a few if Lambda split the window)
    once every key is in an ended one; fails if one failed, or if not all have ended within
    ``timeout`` seconds."""
    deadline = clock() + timeout
    while True:
        ended, covered = [], set()
        for record in _records_since(s3, target.bucket, since):
            files = {str(f.get("key")) for f in record.get("files", [])} & set(keys)
            if files and record.get("state") in ENDED:
                if record["state"] != "succeeded":
                    error = json.dumps(record.get("error"), default=str)[:300]
                    raise SmokeError(f"batch {record.get('batch_id')} failed: {error}")
                ended.append(record)
                covered |= files
        if covered == set(keys):
            return ended
        if clock() >= deadline:
            raise SmokeError(
                f"{len(keys) - len(covered)} of the {len(keys)} sample files are in no ended "
                f"batch after {timeout:.0f} s (make status shows pending uploads, running and "
                "failed batches)"
            )
        sleep(poll)


def call_endpoints(get: Get, target: Target) -> list[str]:
    """GET each endpoint: one line each; fails on a status other than 200 or no rows."""
    lines = []
    for path in ENDPOINTS:
        status, body = get(target.api_url + path)
        rows = body.get("orders", body.get("items")) if isinstance(body, dict) else None
        if status != 200 or not rows:
            raise SmokeError(f"GET /{path}: HTTP {status}, {json.dumps(body)[:300]}")
        lines.append(f"GET /{path}: 200, {len(rows)} rows")
    return lines


def smoke(
    s3: Any, get: Get, target: Target, sample: Path, run: str, timeout: float, **wait: Any
) -> list[str]:
    """Upload, wait, call: the lines to print, in order."""
    # S3's LastModified has whole seconds: start a second early so no record is missed.
    since = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(seconds=1)
    keys = upload_sample(s3, target, sample, run)
    lines = [f"uploaded {len(keys)} files under s3://{target.bucket}/{keys[0].rsplit('/', 1)[0]}/"]
    records = wait_for_batch(s3, target, keys, timeout, since, **wait)
    lines += [f"batch {record['batch_id']} succeeded" for record in records]
    return lines + call_endpoints(get, target)
