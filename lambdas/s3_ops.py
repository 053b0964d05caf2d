"""S3 side effects of the upload checks: the quarantine move, key names that fit S3, and
error helpers."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from botocore.exceptions import ClientError

# "The object key name is a sequence of Unicode characters with UTF-8 encoding of up to
# 1,024 bytes long" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html).
MAX_KEY_BYTES = 1024
SIDECAR_SUFFIX = ".reason.json"
_DIGEST_CHARS = 32


def fit_key(prefix: str, name: str, reserve: int = 0) -> str:
    """``prefix + name`` if it fits S3's key limit, less ``reserve`` bytes the caller appends.

    Staging and quarantine put an upload's name under a longer prefix, so a name near the
    limit would not fit there. Such a name becomes a digest of the whole name, then as much of
    its last segment's end as fits: unique, still ending in ``.csv``, and recognisable. The
    original key stays in the batch record and the quarantine sidecar."""
    limit = MAX_KEY_BYTES - reserve
    if len((prefix + name).encode()) <= limit:
        return prefix + name
    digest = hashlib.sha256(name.encode()).hexdigest()[:_DIGEST_CHARS]
    budget = limit - len(prefix.encode()) - len(digest) - 1
    tail = ""
    for char in reversed(name.rsplit("/", 1)[-1]):
        if len((char + tail).encode()) > budget:
            break
        tail = char + tail
    return f"{prefix}{digest}-{tail}"


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
    target = fit_key(prefix, key, reserve=len(SIDECAR_SUFFIX.encode()))
    s3.copy_object(
        Bucket=bucket,
        Key=target,
        CopySource={"Bucket": bucket, "Key": key},
        CopySourceIfMatch=etag,
        MetadataDirective="COPY",
    )
    s3.put_object(
        Bucket=bucket,
        Key=f"{target}{SIDECAR_SUFFIX}",
        Body=json.dumps(sidecar, indent=2, sort_keys=True).encode(),
        ContentType="application/json",
    )
    head = s3.head_object(Bucket=bucket, Key=key)
    if head["ETag"].strip('"') == etag.strip('"'):
        s3.delete_object(Bucket=bucket, Key=key)
    return target
