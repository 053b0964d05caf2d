"""The job's run reports (``_runs/<run_id>.json``), from a folder or an ``s3://`` prefix.

"Latest" means the newest ``started_at``. On S3 only the most recently written
reports are read (a report is written when its run ends, so the newest start is
among them unless more than ``S3_CANDIDATES`` runs overlapped).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from api.errors import ApiError

log = logging.getLogger("api.runs")

S3_CANDIDATES = 20


def _started_at(report: Any) -> dt.datetime | None:
    """The report's start time (aware, UTC) or None if it is not a usable report."""
    if not isinstance(report, dict) or not isinstance(report.get("run_id"), str):
        return None
    try:
        started = dt.datetime.fromisoformat(str(report.get("started_at")))
    except ValueError:
        return None
    return started if started.tzinfo else started.replace(tzinfo=dt.UTC)


def newest(reports: list[Any]) -> dict[str, Any] | None:
    dated = [(started, r) for r in reports if (started := _started_at(r)) is not None]
    return max(dated, key=lambda pair: (pair[0], pair[1]["run_id"]))[1] if dated else None


def _parse(text: str | bytes, where: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        log.warning("skipping unreadable run report", extra={"report": where})
        return None


def local_reports(folder: Path) -> list[Any]:
    return [_parse(p.read_bytes(), str(p)) for p in sorted(folder.glob("*.json")) if p.is_file()]


def _s3_reports(uri: str, endpoint_url: str | None) -> list[Any]:
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    prefix = prefix.rstrip("/") + "/" if prefix else ""
    s3 = boto3.client("s3", endpoint_url=endpoint_url)
    try:
        objects = [
            obj
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
            for obj in page.get("Contents", [])
            if obj["Key"].endswith(".json") and "/" not in obj["Key"][len(prefix) :]
        ]
        recent = sorted(objects, key=lambda obj: obj["LastModified"])[-S3_CANDIDATES:]
        return [
            _parse(s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read(), obj["Key"])
            for obj in recent
        ]
    except (ClientError, BotoCoreError) as err:
        log.error("cannot read run reports", extra={"runs_path": uri, "error": str(err)})
        raise ApiError(502, "storage_error", "run reports are unreadable right now") from err


def latest_run(runs_path: str, endpoint_url: str | None = None) -> dict[str, Any]:
    """The newest run report; 404 when there is none."""
    if runs_path.startswith("s3://"):
        reports = _s3_reports(runs_path, endpoint_url)
    else:
        folder = Path(runs_path)
        reports = local_reports(folder) if folder.is_dir() else []
    report = newest(reports)
    if report is None:
        raise ApiError(404, "no_runs", "no run report found; the job has not run yet")
    return report
