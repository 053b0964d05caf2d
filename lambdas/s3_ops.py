"""S3 side effects of the upload trigger: run markers and quarantine moves.

Run markers (`_triggers/<run_id>.json`) make S3's at-least-once delivery safe:
a marker is claimed with a conditional PUT (`If-None-Match: *`), so of two
concurrent deliveries of one upload only one starts the Glue job.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

CLAIMED = "claimed"
STARTED = "started"


def run_id_for(bucket: str, key: str, etag: str) -> str:
    """Deterministic, filename-safe run id: one per uploaded object version."""
    digest = hashlib.sha256(f"{bucket}\n{key}\n{etag.strip(chr(34))}".encode()).hexdigest()
    return f"s3-{digest[:32]}"


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def is_missing(exc: ClientError) -> bool:
    return error_code(exc) in {"404", "NoSuchKey", "NotFound"}


@dataclass(frozen=True)
class Marker:
    """What a run marker says, plus its ETag for compare-and-swap."""

    state: str
    claimed_at: float
    job_run_id: str | None
    etag: str


class MarkerStore:
    """Claim / release / complete run markers under a prefix of the input bucket."""

    def __init__(self, s3: Any, bucket: str, prefix: str) -> None:
        self.s3, self.bucket, self.prefix = s3, bucket, prefix

    def key(self, run_id: str) -> str:
        return f"{self.prefix}{run_id}.json"

    def read(self, run_id: str) -> Marker | None:
        try:
            obj = self.s3.get_object(Bucket=self.bucket, Key=self.key(run_id))
        except ClientError as exc:
            if is_missing(exc):
                return None
            raise
        body = json.loads(obj["Body"].read())
        return Marker(
            state=body.get("state", CLAIMED),
            claimed_at=float(body.get("claimed_at", 0)),
            job_run_id=body.get("job_run_id"),
            etag=obj["ETag"],
        )

    def _put(self, run_id: str, doc: dict[str, Any], **condition: str) -> bool:
        try:
            self.s3.put_object(
                Bucket=self.bucket,
                Key=self.key(run_id),
                Body=json.dumps(doc, sort_keys=True).encode(),
                ContentType="application/json",
                **condition,
            )
        except ClientError as exc:
            if error_code(exc) in {"PreconditionFailed", "412", "ConditionalRequestConflict"}:
                return False
            raise
        return True

    def claim(self, run_id: str, source: str, stale_after: float) -> bool:
        """True if this caller now owns the run; False if another delivery does."""
        doc = {"run_id": run_id, "source": source, "state": CLAIMED, "claimed_at": time.time()}
        if self._put(run_id, doc, IfNoneMatch="*"):
            return True
        current = self.read(run_id)
        if current is None:  # released between our PUT and GET: try once more
            return self._put(run_id, doc, IfNoneMatch="*")
        if current.state == CLAIMED and time.time() - current.claimed_at > stale_after:
            # The claimant died before starting the job: take over, atomically.
            return self._put(run_id, doc, IfMatch=current.etag)
        return False

    def release(self, run_id: str) -> None:
        self.s3.delete_object(Bucket=self.bucket, Key=self.key(run_id))

    def complete(self, run_id: str, source: str, job_run_id: str) -> None:
        doc = {
            "run_id": run_id,
            "source": source,
            "state": STARTED,
            "claimed_at": time.time(),
            "job_run_id": job_run_id,
        }
        self._put(run_id, doc)


def quarantine(
    s3: Any, bucket: str, key: str, etag: str, prefix: str, sidecar: dict[str, Any]
) -> str:
    """Move an object under `prefix` with a JSON sidecar: copy, write reason, then delete.

    The delete only happens if the source still has the ETag that was copied, so
    a newer upload under the same key is never removed without a copy.
    Returns the quarantine key.
    """
    target = f"{prefix}{key}"
    s3.copy_object(
        Bucket=bucket,
        Key=target,
        CopySource={"Bucket": bucket, "Key": key},
        CopySourceIfMatch=etag,
        MetadataDirective="COPY",
    )
    s3.put_object(
        Bucket=bucket,
        Key=f"{target}.reason.json",
        Body=json.dumps(sidecar, indent=2, sort_keys=True).encode(),
        ContentType="application/json",
    )
    head = s3.head_object(Bucket=bucket, Key=key)
    if head["ETag"].strip('"') == etag.strip('"'):
        s3.delete_object(Bucket=bucket, Key=key)
    return target
