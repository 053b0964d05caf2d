"""S3 side effects of the upload checks: the quarantine move, and error helpers."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def is_missing(exc: ClientError) -> bool:
    return error_code(exc) in {"404", "NoSuchKey", "NotFound"}


def quarantine(
    s3: Any, bucket: str, key: str, etag: str, prefix: str, sidecar: dict[str, Any]
) -> str:
    """Move an object under `prefix` with a JSON sidecar: copy, write reason, then delete.

    The delete only happens if the source still has the ETag that was copied, so
    a newer upload under the same key is never removed without a copy.
    `key` is the decoded key; botocore percent-encodes a dict `CopySource` itself.
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
