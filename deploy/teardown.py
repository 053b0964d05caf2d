"""Delete the stack and its bootstrap stack. Data buckets that still hold objects stop the
teardown (exit code 3) unless --force, which empties them first (every version). The stack
retains its data buckets (no stack operation deletes them), so teardown deletes them itself
once the stack is gone; the artifacts bucket holds only what the deployer wrote and is
always emptied."""

from __future__ import annotations

from typing import Any, Protocol

from botocore.exceptions import ClientError

from deploy.names import DATA_BUCKETS, Names
from deploy.stack import delete_stack, stack_status


class Deployer(Protocol):
    """What teardown needs of deploy.deployment's Deployer (no import back into it)."""

    config: Any
    dry_run: bool
    local: bool

    def client(self, service: str) -> Any: ...


EXIT_RETAINED = 3


def object_versions(s3: Any, bucket: str) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    try:
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            for item in page.get("Versions", []) + page.get("DeleteMarkers", []):
                out.append({"Key": item["Key"], "VersionId": item["VersionId"]})
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NoSuchBucket":
            raise
    return out


def empty(s3: Any, bucket: str) -> int:
    objects = object_versions(s3, bucket)
    for start in range(0, len(objects), 1000):
        s3.delete_objects(Bucket=bucket, Delete={"Objects": objects[start : start + 1000]})
    return len(objects)


def delete_retained(s3: Any, bucket: str) -> bool:
    """Delete a data bucket the stack's deletion kept (it is Retain): False if objects
    arrived in it since it was emptied, so it stays."""
    try:
        s3.delete_bucket(Bucket=bucket)
    except ClientError as exc:
        code = exc.response["Error"]["Code"]
        if code == "BucketNotEmpty":
            return False
        if code != "NoSuchBucket":
            raise
    return True


def _local_twin_leftovers(deployer: Deployer, names: Any) -> None:
    """On moto, the Glue/Athena resources were created through the API: delete them too."""
    glue, athena = deployer.client("glue"), deployer.client("athena")
    apigw = deployer.client("apigateway")
    for api in apigw.get_rest_apis(limit=500)["items"]:
        if api["name"] == names.rest_api:  # moto's CloudFormation does not delete it
            apigw.delete_rest_api(restApiId=api["id"])
    for call, kwargs in (
        (glue.delete_job, {"JobName": names.job}),
        (glue.delete_database, {"Name": names.database}),
        (athena.delete_work_group, {"WorkGroup": names.workgroup, "RecursiveDeleteOption": True}),
    ):
        try:
            call(**kwargs)
        except ClientError:
            continue


def teardown(deployer: Deployer, names: Names, force: bool) -> int:
    config = deployer.config
    cfn, s3 = deployer.client("cloudformation"), deployer.client("s3")
    full = {p: len(object_versions(s3, names.bucket(p))) for p in DATA_BUCKETS}
    kept = {names.bucket(p): n for p, n in full.items() if n}
    if kept and not force:
        for bucket, n in kept.items():
            print(f"retained: s3://{bucket} holds {n} object versions")
        print("teardown stopped: non-empty data buckets; re-run with --force (FORCE=1)")
        return EXIT_RETAINED
    boot = f"{config.stack}-bootstrap"
    if deployer.dry_run:
        for stack in (config.stack, boot):
            print(f"stack {stack}: {'delete' if stack_status(cfn, stack) else 'absent'} (dry run)")
        for bucket, n in kept.items():
            print(f"would empty s3://{bucket} ({n} object versions)")
        return 0
    for bucket in kept:
        print(f"emptied s3://{bucket}: {empty(s3, bucket)} object versions")
    print(f"stack {config.stack}: {delete_stack(cfn, config.stack).action}")
    arrived = [b for b in map(names.bucket, DATA_BUCKETS) if not delete_retained(s3, b)]
    if deployer.local:
        _local_twin_leftovers(deployer, names)
    if stack_status(cfn, boot) is not None:
        empty(s3, names.bucket("artifacts"))
    print(f"stack {boot}: {delete_stack(cfn, boot).action}")
    for bucket in arrived:
        print(f"retained: s3://{bucket} received objects during the teardown")
    return EXIT_RETAINED if arrived else 0
