"""scripts/deploy_job.py against the moto server: the stack through change sets, a second
deploy without changes, a dry run that executes nothing, teardown with and without
--force. moto's CloudFormation deploys what it supports (deploy/local_twin.py).

The deploys ship the committed files (athena/ddl.sql, api/openapi.json,
glue_jobs/process_orders.py, deploy/template.json); only the API's vendored dependencies
are a small pre-built folder (``api_dependencies``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from deploy.apigw import PAGE_ROUTES
from scripts.deploy_job import main as deploy_main
from transforms.tables import PUBLIC_TABLES

REPO = Path(__file__).resolve().parents[2]

ACCOUNT = "123456789012"
INPUT = f"duffbeer-input-{ACCOUNT}-eu-west-1"
BUCKETS = {
    f"duffbeer-{p}-{ACCOUNT}-eu-west-1"
    for p in ("input", "processed", "artifacts", "athena-results")
}


@pytest.fixture
def deploy(moto: str, session: boto3.Session, api_dependencies: Path):  # type: ignore[no-untyped-def]
    def run(*extra: str) -> int:
        argv = ["--endpoint-url", moto, "--set", f"api_dependencies_dir={api_dependencies}", *extra]
        return deploy_main(argv, session=session)

    return run


def test_deploy_creates_the_stack_then_reports_no_changes(deploy, client, capsys):  # type: ignore[no-untyped-def]
    assert deploy() == 0
    first = capsys.readouterr().out
    assert "stack duffbeer: create" in first and "stack duffbeer-bootstrap: create" in first
    cfn = client("cloudformation")
    assert (
        cfn.describe_stacks(StackName="duffbeer")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    )
    assert {b["Name"] for b in client("s3").list_buckets()["Buckets"]} >= BUCKETS
    lam = client("lambda")
    runtimes = {f["FunctionName"]: f["Runtime"] for f in lam.list_functions()["Functions"]}
    assert runtimes == dict.fromkeys(
        ("duffbeer-upload-batcher", "duffbeer-pipeline-steps", "duffbeer-orders-api"), "python3.13"
    )
    (mapping,) = lam.list_event_source_mappings(FunctionName="duffbeer-upload-batcher")[
        "EventSourceMappings"
    ]
    assert mapping["BatchSize"] == 1000 and mapping["MaximumBatchingWindowInSeconds"] == 60
    notification = client("s3").get_bucket_notification_configuration(Bucket=INPUT)
    (queue,) = notification["QueueConfigurations"]
    (rule,) = queue["Filter"]["Key"]["FilterRules"]
    assert (rule["Name"].lower(), rule["Value"]) == ("prefix", "incoming/")
    trust = client("iam").get_role(RoleName="duffbeer-state-machine-role-eu-west-1")["Role"]
    condition = trust["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]
    assert condition["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    machine = client("stepfunctions").list_state_machines()["stateMachines"]
    assert [m["name"] for m in machine] == ["duffbeer-pipeline"]
    job = client("glue").get_job(JobName="duffbeer-process-orders")["Job"]  # local twin: API
    assert job["GlueVersion"] == "5.1" and job["Command"]["ScriptLocation"].endswith(".py")
    assert "glue/process_orders-" in job["Command"]["ScriptLocation"]  # content-hashed key
    bucket, key = job["Command"]["ScriptLocation"].removeprefix("s3://").split("/", 1)
    script = client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    assert script == (REPO / "glue_jobs" / "process_orders.py").read_bytes()
    tables = client("glue").get_tables(DatabaseName="duffbeer")["TableList"]
    assert {t["Name"] for t in tables if t.get("TableType") != "VIRTUAL_VIEW"} == set(PUBLIC_TABLES)
    (api,) = client("apigateway").get_rest_apis()["items"]
    resources = client("apigateway").get_resources(restApiId=api["id"], limit=500)["items"]
    openapi = json.loads((REPO / "api" / "openapi.json").read_text(encoding="utf-8"))
    routes = set(openapi["paths"]) | set(PAGE_ROUTES)
    parts = [r.split("/")[1:] for r in routes]  # "/a/{b}" -> every prefix: "/", "/a", "/a/{b}"
    assert {r["path"] for r in resources} == {
        "/" + "/".join(p[:n]) for p in parts for n in range(len(p) + 1)
    }

    assert deploy() == 0
    second = capsys.readouterr().out
    assert "stack duffbeer: no changes" in second
    assert "stack duffbeer-bootstrap: no changes" in second
    assert "athena view duffbeer.processed_orders: unchanged" in second
    assert "created through the API" not in second and "uploaded" not in second


def test_dry_run_prints_the_change_set_and_executes_nothing(deploy, client, capsys):  # type: ignore[no-untyped-def]
    assert deploy("--dry-run") == 0
    out = capsys.readouterr().out
    assert "change set (dry run, not executed)" in out and "AWS::S3::Bucket" in out
    assert (
        client("cloudformation").list_stacks(StackStatusFilter=["CREATE_COMPLETE"])[
            "StackSummaries"
        ]
        == []
    )
    assert client("s3").list_buckets()["Buckets"] == []
    assert deploy() == 0
    before = client("cloudformation").get_template(StackName="duffbeer")["TemplateBody"]
    assert deploy("--dry-run", "--set", "number_of_workers=5") == 0
    assert "change set (dry run, not executed)" in capsys.readouterr().out
    stack = client("cloudformation").describe_stacks(StackName="duffbeer")["Stacks"][0]
    params = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert params["NumberOfWorkers"] == "2"
    assert client("cloudformation").get_template(StackName="duffbeer")["TemplateBody"] == before


def test_teardown_keeps_data_unless_forced_then_leaves_nothing(deploy, client, capsys):  # type: ignore[no-untyped-def]
    assert deploy() == 0
    client("s3").put_object(Bucket=INPUT, Key="incoming/a.csv", Body=b"order_id\n")
    assert deploy("--teardown") == 3
    assert "retained: s3://" + INPUT in capsys.readouterr().out
    assert client("cloudformation").describe_stacks(StackName="duffbeer")["Stacks"]
    assert deploy("--teardown", "--force") == 0
    assert client("s3").list_buckets()["Buckets"] == []
    assert client("lambda").list_functions()["Functions"] == []
    assert client("sqs").list_queues().get("QueueUrls", []) == []
    assert client("stepfunctions").list_state_machines()["stateMachines"] == []
    assert client("glue").get_jobs()["Jobs"] == []
    assert client("apigateway").get_rest_apis()["items"] == []
    live = client("cloudformation").list_stacks()["StackSummaries"]
    assert all(s["StackStatus"] == "DELETE_COMPLETE" for s in live)


def test_deleting_the_stack_keeps_the_data_buckets_and_their_objects(deploy, client):  # type: ignore[no-untyped-def]
    """The stack's own deletion (not teardown): moto's CloudFormation honours Retain, so the
    data buckets and what they hold are still there. (moto's CloudFormation does not apply
    VersioningConfiguration: test_aws_template.py checks the template for it.)"""
    assert deploy() == 0
    s3 = client("s3")
    processed = f"duffbeer-processed-{ACCOUNT}-eu-west-1"
    s3.put_object(Bucket=INPUT, Key="incoming/a.csv", Body=b"order_id\n")
    s3.put_object(Bucket=processed, Key="orders/_manifest/x", Body=b"s3://x\n")
    client("cloudformation").delete_stack(StackName="duffbeer")
    left = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert left >= {INPUT, processed, f"duffbeer-athena-results-{ACCOUNT}-eu-west-1"}
    assert s3.get_object(Bucket=processed, Key="orders/_manifest/x")["Body"].read() == b"s3://x\n"


def test_print_deployer_policy_needs_no_aws(capsys):  # type: ignore[no-untyped-def]
    assert deploy_main(["--print-deployer-policy", ACCOUNT]) == 0
    doc: dict[str, Any] = json.loads(capsys.readouterr().out)
    sids = {s["Sid"] for s in doc["Statement"]}
    assert {"Stacks", "PassRoles", "WildcardOnly"} <= sids
