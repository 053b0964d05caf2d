"""The code the stack runs, under content-hashed keys of the artifacts bucket.

A key changes exactly when its bytes change, so the template parameters (and therefore
the change set) change only when code does; an existing key is never uploaded again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from deploy.config import DeployConfig
from deploy.package import (
    api_zip,
    job_zip,
    pipeline_zip,
    sha256_hex,
    vendor_api_dependencies,
)


@dataclass(frozen=True)
class Artifact:
    parameter: str  # the template parameter that receives the key
    key: str
    body: bytes
    content_type: str


def _hashed(prefix: str, stem: str, suffix: str, body: bytes) -> str:
    return f"{prefix}{stem}-{sha256_hex(body)[:16]}{suffix}"


def build_artifacts(config: DeployConfig, build_api: bool = True) -> list[Artifact]:
    """Job script, job.zip, the pipeline Lambdas' zip and the API Lambda's zip."""
    repo = config.repo_root
    script = config.path(config.job_script)
    if not script.is_file():
        raise FileNotFoundError(f"Glue entry script not found: {script}")
    if config.api_dependencies_dir:
        deps: Path | None = config.path(config.api_dependencies_dir)
    else:
        deps = vendor_api_dependencies(repo, repo / "build") if build_api else None
    files = [
        ("JobScriptKey", "glue/", "process_orders", ".py", script.read_bytes(), "text/x-python"),
        ("JobCodeKey", "glue/", "job", ".zip", job_zip(repo), "application/zip"),
        ("PipelineCodeKey", "lambda/", "pipeline", ".zip", pipeline_zip(repo), "application/zip"),
        ("ApiCodeKey", "lambda/", "api", ".zip", api_zip(repo, deps), "application/zip"),
    ]
    return [
        Artifact(param, _hashed(prefix, stem, suffix, body), body, kind)
        for param, prefix, stem, suffix, body, kind in files
    ]


def upload(s3: Any, bucket: str, artifacts: list[Artifact]) -> list[str]:
    """Upload what is not there yet; returns the keys uploaded."""
    uploaded = []
    for art in artifacts:
        try:
            s3.head_object(Bucket=bucket, Key=art.key)
            continue
        except ClientError as exc:
            if exc.response["Error"]["Code"] not in {"404", "NoSuchKey", "NotFound"}:
                raise
        s3.put_object(
            Bucket=bucket,
            Key=art.key,
            Body=art.body,
            ContentType=art.content_type,
            ServerSideEncryption="AES256",
        )
        uploaded.append(art.key)
    return uploaded
