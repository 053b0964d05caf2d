"""The packaged job (script + transforms zip), the Glue job, database and crawler.

Glue's UpdateJob/UpdateCrawler replace the whole definition, so the update path
always sends the full desired definition, never a patch.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from deploy.context import ABSENT, DELETE, Context
from deploy.package import sha256_hex, transforms_zip

SCRIPT_KEY = "glue/process_orders.py"
TRANSFORMS_KEY = "glue/transforms.zip"
CRAWLER_EXCLUSIONS = ["_runs/**", "**/_SUCCESS", "**/_temporary/**", "**_$folder$"]


def _missing(exc: ClientError) -> bool:
    return exc.response["Error"]["Code"] in {
        "EntityNotFoundException",
        "404",
        "NoSuchKey",
        "NoSuchBucket",
        "NotFound",
    }


def _read(call: Any, **kw: Any) -> Any:
    try:
        return call(**kw)
    except ClientError as exc:
        if _missing(exc):
            return None
        raise


def ensure_object(ctx: Context, key: str, body: bytes, content_type: str) -> None:
    """Upload a code artefact unless the same bytes (SHA-256 metadata) are already there."""
    s3, bucket = ctx.client("s3"), ctx.config.artifacts_bucket
    digest = sha256_hex(body)
    head = _read(s3.head_object, Bucket=bucket, Key=key)
    current = None if head is None else {"sha256": head.get("Metadata", {}).get("sha256")}

    def put() -> None:
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=body,
            ContentType=content_type,
            Metadata={"sha256": digest},
            ServerSideEncryption="AES256",
        )

    ctx.converge("s3:object", f"s3://{bucket}/{key}", current, {"sha256": digest}, put, put)


def ensure_artifacts(ctx: Context) -> None:
    script = ctx.config.path(ctx.config.job_script)
    if not script.is_file():
        raise FileNotFoundError(f"Glue entry script not found: {script}")
    ensure_object(ctx, SCRIPT_KEY, script.read_bytes(), "text/x-python")
    ensure_object(ctx, TRANSFORMS_KEY, transforms_zip(ctx.config.repo_root), "application/zip")


def job_definition(ctx: Context) -> dict[str, Any]:
    cfg, n = ctx.config, ctx.names
    return {
        "Description": "DuffBeer orders: validate, upsert and partition uploaded order files",
        "Role": n.role_arn("glue-job"),
        "Command": {
            "Name": "glueetl",
            "ScriptLocation": n.artifacts_prefix + "process_orders.py",
            "PythonVersion": "3",
        },
        "DefaultArguments": {
            "--extra-py-files": n.artifacts_prefix + "transforms.zip",
            "--output_path": f"s3://{cfg.processed_bucket}/",
            "--TempDir": f"s3://{cfg.artifacts_bucket}/glue-temp/",
            "--enable-metrics": "true",
            "--enable-continuous-cloudwatch-log": "true",
            "--job-language": "python",
        },
        "ExecutionProperty": {"MaxConcurrentRuns": cfg.max_concurrent_runs},
        "MaxRetries": cfg.job_max_retries,
        "Timeout": cfg.job_timeout_minutes,
        "GlueVersion": "5.1",
        "WorkerType": cfg.worker_type,
        "NumberOfWorkers": cfg.number_of_workers,
    }


def ensure_job(ctx: Context) -> None:
    glue, name = ctx.client("glue"), ctx.names.job
    desired = job_definition(ctx)
    found = _read(glue.get_job, JobName=name)
    ctx.converge(
        "glue:job",
        name,
        found and found["Job"],
        desired,
        create=lambda: glue.create_job(Name=name, **desired),
        update=lambda: glue.update_job(JobName=name, JobUpdate=desired),
    )


def ensure_database(ctx: Context) -> None:
    glue, name = ctx.client("glue"), ctx.config.database
    desired = {"Name": name, "Description": "DuffBeer processed orders (Athena tables)"}
    found = _read(glue.get_database, Name=name)
    ctx.converge(
        "glue:database",
        name,
        found and found["Database"],
        desired,
        create=lambda: glue.create_database(DatabaseInput=desired),
        update=lambda: glue.update_database(Name=name, DatabaseInput=desired),
    )


def crawler_definition(ctx: Context) -> dict[str, Any]:
    """New folders only, schema changes and deletions only logged: never overrides the DDL."""
    output = {"Partitions": {"AddOrUpdateBehavior": "InheritFromTable"}}
    return {
        "Role": ctx.names.role_arn("crawler"),
        "DatabaseName": ctx.config.database,
        "Description": "Discovers new folders under the processed root; the DDL wins",
        "Targets": {
            "S3Targets": [
                {"Path": f"s3://{ctx.config.processed_bucket}/", "Exclusions": CRAWLER_EXCLUSIONS}
            ]
        },
        "SchemaChangePolicy": {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"},
        "RecrawlPolicy": {"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"},
        "Configuration": json.dumps({"Version": 1.0, "CrawlerOutput": output}),
    }


def ensure_crawler(ctx: Context) -> None:
    glue, name = ctx.client("glue"), ctx.names.crawler
    desired = crawler_definition(ctx)
    found = _read(glue.get_crawler, Name=name)
    ctx.converge(
        "glue:crawler",
        name,
        found and found["Crawler"],
        desired,
        create=lambda: glue.create_crawler(Name=name, **desired),
        update=lambda: glue.update_crawler(Name=name, **desired),
    )


def teardown_glue(ctx: Context) -> None:
    glue, n = ctx.client("glue"), ctx.names
    steps = [
        ("glue:crawler", n.crawler, glue.get_crawler, {"Name": n.crawler}, glue.delete_crawler),
        ("glue:job", n.job, glue.get_job, {"JobName": n.job}, glue.delete_job),
        (
            "glue:database",
            ctx.config.database,
            glue.get_database,
            {"Name": ctx.config.database},
            glue.delete_database,
        ),
    ]
    for kind, name, get, key, delete in steps:
        exists = _read(get, **key) is not None
        ctx.record(kind, name, DELETE if exists else ABSENT)
        if exists and not ctx.dry_run:
            delete(**({"Name": name} if "Name" in key else {"JobName": name}))
