"""scripts/deploy_job.py against a real moto server: empty account -> full stack ->
unchanged redeploy -> dry runs that mutate nothing -> teardown that leaves nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from scripts import deploy_job
from tests.aws.stack_fixtures import write_fixtures

READ_ONLY_PREFIXES = ("Get", "List", "Describe", "Head")


@pytest.fixture
def fixtures(tmp_path: Path) -> dict[str, str]:
    return write_fixtures(tmp_path / "fixtures")


def run(
    moto: str, fixtures: dict[str, str], *extra: str, session: boto3.Session | None = None
) -> int:
    sets = [arg for k, v in fixtures.items() for arg in ("--set", f"{k}={v}")]
    return deploy_job.main(["--endpoint-url", moto, *sets, *extra], session=session)


def recording_session(calls: list[str]) -> boto3.Session:
    """A session whose clients report every API operation they send."""
    session = boto3.Session(region_name="eu-west-1")
    session.events.register(
        "before-call", lambda model, **_: calls.append(model.name), unique_id="record-calls"
    )
    return session


def importing_session(bodies: list[dict[str, Any]]) -> boto3.Session:
    """A session that keeps every OpenAPI document the deployer sends to ImportRestApi."""
    session = boto3.Session(region_name="eu-west-1")
    session.events.register(
        "provide-client-params.apigateway.ImportRestApi",
        lambda params, **_: bodies.append(json.loads(params["body"])),
        unique_id="keep-imported-openapi",
    )
    return session


def plan_lines(out: str) -> list[list[str]]:
    return [
        line.split()[:3] for line in out.splitlines() if not line.startswith(("plan:", "done:"))
    ]


def test_first_deploy_creates_every_resource_with_its_policy(
    moto: str, fixtures: dict[str, str], client: Any, capsys: pytest.CaptureFixture[str]
):
    """moto imports the OpenAPI paths, methods and integrations but ignores ``security``
    (every method reads ``apiKeyRequired: false``), so which routes need the key is asserted on
    the document the deployer sent to ImportRestApi, kept by a botocore event hook."""
    imported: list[dict[str, Any]] = []
    assert run(moto, fixtures, session=importing_session(imported)) == 0
    lines = plan_lines(capsys.readouterr().out)
    assert {action for action, *_ in lines} == {"create"}
    kinds = {kind for _, kind, _ in lines}
    assert kinds >= {
        "s3:bucket",
        "sqs:queue",
        "s3:notification",
        "sns:topic",
        "iam:role",
        "s3:object",
        "glue:database",
        "glue:job",
        "glue:crawler",
        "athena:workgroup",
        "glue:table",
        "athena:view",
        "logs:group",
        "lambda:function",
        "lambda:event-source",
        "apigateway:rest-api",
        "lambda:permission",
        "apigateway:api-key",
        "apigateway:usage-plan",
        "apigateway:usage-plan-key",
        "events:rule",
        "cloudwatch:alarm",
    }

    s3 = client("s3")
    for bucket in (
        "duffbeer-input-orders",
        "duffbeer-processed-orders",
        "duffbeer-pipeline-artifacts",
        "duffbeer-athena-results",
    ):
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert all(block.values()) and len(block) == 4
        rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"][
            "Rules"
        ][0]
        assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
        (deny,) = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
        assert deny["Effect"] == "Deny" and deny["Condition"] == {
            "Bool": {"aws:SecureTransport": "false"}
        }
    assert s3.get_bucket_versioning(Bucket="duffbeer-input-orders")["Status"] == "Enabled"
    results_rules = s3.get_bucket_lifecycle_configuration(Bucket="duffbeer-athena-results")["Rules"]
    assert {"Days": 30} in [r.get("Expiration") for r in results_rules]

    glue = client("glue")
    job = glue.get_job(JobName="duffbeer-process-orders")["Job"]
    assert job["GlueVersion"] == "5.1" and job["Command"]["Name"] == "glueetl"
    assert (
        job["Command"]["ScriptLocation"]
        == "s3://duffbeer-pipeline-artifacts/glue/process_orders.py"
    )
    assert job["ExecutionProperty"] == {"MaxConcurrentRuns": 1}
    assert job["WorkerType"] == "G.1X" and job["NumberOfWorkers"] == 2
    args = job["DefaultArguments"]
    assert args["--extra-py-files"] == "s3://duffbeer-pipeline-artifacts/glue/transforms.zip"
    assert args["--output_path"] == "s3://duffbeer-processed-orders/"
    assert args["--enable-metrics"] == "true" and args["--job-language"] == "python"
    assert args["--enable-continuous-cloudwatch-log"] == "true"
    script = s3.get_object(Bucket="duffbeer-pipeline-artifacts", Key="glue/process_orders.py")
    assert script["Body"].read() == Path(fixtures["job_script"]).read_bytes()

    crawler = glue.get_crawler(Name="duffbeer-processed-orders")["Crawler"]
    assert crawler["RecrawlPolicy"] == {"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"}
    assert crawler["SchemaChangePolicy"] == {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"}

    orders = glue.get_table(DatabaseName="duffbeer", Name="orders")["Table"]
    assert orders["StorageDescriptor"]["Location"] == "s3://duffbeer-processed-orders/orders/"
    assert [k["Name"] for k in orders["PartitionKeys"]] == ["order_date", "channel"]
    assert orders["Parameters"]["projection.channel.values"] == "online,store,distributor,phone"
    template = orders["Parameters"]["storage.location.template"]
    assert template.startswith("s3://duffbeer-processed-orders/orders/order_date=${order_date}")
    views = client("athena").list_query_executions(WorkGroup="duffbeer-analytics")[
        "QueryExecutionIds"
    ]
    assert len(views) == 1

    wg = client("athena").get_work_group(WorkGroup="duffbeer-analytics")["WorkGroup"][
        "Configuration"
    ]
    assert wg["BytesScannedCutoffPerQuery"] == 1_000_000_000 and wg["EnforceWorkGroupConfiguration"]
    assert wg["ResultConfiguration"]["OutputLocation"] == "s3://duffbeer-athena-results/results/"

    lam = client("lambda")
    trigger = lam.get_function_configuration(FunctionName="duffbeer-upload-trigger")
    assert trigger["Handler"] == "lambdas.trigger.handler"
    assert trigger["Environment"]["Variables"]["JOB_NAME"] == "duffbeer-process-orders"
    (mapping,) = lam.list_event_source_mappings(FunctionName="duffbeer-upload-trigger")[
        "EventSourceMappings"
    ]
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    notification = s3.get_bucket_notification_configuration(Bucket="duffbeer-input-orders")
    assert notification["QueueConfigurations"][0]["QueueArn"].endswith(":duffbeer-upload-trigger")

    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName="duffbeer-upload-trigger")["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert json.loads(attrs["RedrivePolicy"])["deadLetterTargetArn"].endswith(
        ":duffbeer-upload-trigger-dlq"
    )

    apigw = client("apigateway")
    (api,) = apigw.get_rest_apis()["items"]
    resources = {r["path"] for r in apigw.get_resources(restApiId=api["id"])["items"]}
    assert {"/orders/{client_id}", "/sales-by-product", "/order-status-report"} <= resources
    assert_page_routes_open_and_data_routes_keyed(apigw, api["id"], imported)
    (plan,) = apigw.get_usage_plans()["items"]
    assert plan["apiStages"] == [{"apiId": api["id"], "stage": "v1"}]
    assert len(apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"]) == 1
    permission = json.loads(lam.get_policy(FunctionName="duffbeer-orders-api")["Policy"])[
        "Statement"
    ][0]
    assert permission["Principal"] == {"Service": "apigateway.amazonaws.com"}

    targets = client("events").list_targets_by_rule(Rule="duffbeer-glue-job-failed")["Targets"]
    assert targets[0]["Arn"].endswith(":duffbeer-pipeline-alerts")
    rule = client("events").describe_rule(Name="duffbeer-glue-job-failed")
    assert json.loads(rule["EventPattern"])["detail"]["state"] == ["FAILED", "TIMEOUT", "ERROR"]
    alarms = client("cloudwatch").describe_alarms()["MetricAlarms"]
    assert {a["AlarmName"] for a in alarms} >= {
        "duffbeer-upload-trigger-errors",
        "duffbeer-orders-api-errors",
    }

    iam = client("iam")
    inline = iam.get_role_policy(RoleName="duffbeer-trigger-role", PolicyName="least-privilege")
    actions = {a for st in inline["PolicyDocument"]["Statement"] for a in st["Action"]}
    assert "glue:StartJobRun" in actions and "s3:PutObject" in actions


def test_second_deploy_reports_everything_unchanged_and_only_reads(
    moto: str, fixtures: dict[str, str], capsys: pytest.CaptureFixture[str]
):
    assert run(moto, fixtures) == 0
    capsys.readouterr()
    calls: list[str] = []

    assert run(moto, fixtures, session=recording_session(calls)) == 0

    lines = plan_lines(capsys.readouterr().out)
    assert lines and {action for action, *_ in lines} == {"unchanged"}
    assert [c for c in calls if not c.startswith(READ_ONLY_PREFIXES)] == []


def test_dry_run_on_an_empty_account_plans_creates_and_mutates_nothing(
    moto: str, fixtures: dict[str, str], client: Any, capsys: pytest.CaptureFixture[str]
):
    calls: list[str] = []

    assert run(moto, fixtures, "--dry-run", session=recording_session(calls)) == 0

    out = capsys.readouterr().out
    assert {action for action, *_ in plan_lines(out)} == {"create"}
    assert out.strip().splitlines()[-1].startswith("plan: ")
    assert [c for c in calls if not c.startswith(READ_ONLY_PREFIXES)] == []
    assert client("s3").list_buckets()["Buckets"] == []
    assert client("iam").list_roles()["Roles"] == []


def test_changed_config_is_planned_as_update_in_dry_run(
    moto: str, fixtures: dict[str, str], capsys: pytest.CaptureFixture[str]
):
    run(moto, fixtures)
    capsys.readouterr()

    assert (
        run(
            moto, fixtures, "--dry-run", "--number-of-workers", "5", "--set", "log_retention_days=7"
        )
        == 0
    )

    changed = {(a, k, n) for a, k, n in plan_lines(capsys.readouterr().out) if a != "unchanged"}
    assert changed == {
        ("update", "glue:job", "duffbeer-process-orders"),
        ("update", "logs:group", "/aws/lambda/duffbeer-upload-trigger"),
        ("update", "logs:group", "/aws/lambda/duffbeer-orders-api"),
    }


def test_teardown_keeps_non_empty_data_buckets_without_force_then_removes_all(
    moto: str, fixtures: dict[str, str], client: Any, capsys: pytest.CaptureFixture[str]
):
    run(moto, fixtures)
    s3 = client("s3")
    s3.put_object(Bucket="duffbeer-processed-orders", Key="orders/x.parquet", Body=b"PAR1")
    capsys.readouterr()

    assert run(moto, fixtures, "--teardown", "--dry-run") == deploy_job.EXIT_RETAINED
    planned = {(a, n) for a, _, n in plan_lines(capsys.readouterr().out)}
    assert {a for a, _ in planned} == {"delete", "retained"}
    assert ("retained", "duffbeer-processed-orders") in planned
    assert len(s3.list_buckets()["Buckets"]) == 4

    assert run(moto, fixtures, "--teardown") == deploy_job.EXIT_RETAINED
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["duffbeer-processed-orders"]
    assert (
        s3.get_object(Bucket="duffbeer-processed-orders", Key="orders/x.parquet")["Body"].read()
        == b"PAR1"
    )

    assert run(moto, fixtures, "--teardown", "--force") == 0
    assert s3.list_buckets()["Buckets"] == []
    for check in (
        client("iam").list_roles()["Roles"],
        client("glue").get_jobs()["Jobs"],
        client("glue").get_databases()["DatabaseList"],
        client("glue").get_crawlers()["Crawlers"],
        client("lambda").list_functions()["Functions"],
        client("lambda").list_event_source_mappings()["EventSourceMappings"],
        client("sqs").list_queues().get("QueueUrls", []),
        client("sns").list_topics()["Topics"],
        client("events").list_rules()["Rules"],
        client("cloudwatch").describe_alarms()["MetricAlarms"],
        client("apigateway").get_rest_apis()["items"],
        client("apigateway").get_usage_plans()["items"],
        client("apigateway").get_api_keys()["items"],
        [w for w in client("athena").list_work_groups()["WorkGroups"] if w["Name"] != "primary"],
        client("logs").describe_log_groups()["logGroups"],
    ):
        assert check == []
    capsys.readouterr()
    assert run(moto, fixtures, "--teardown") == 0
    assert {a for a, *_ in plan_lines(capsys.readouterr().out)} == {"absent"}


def test_missing_ddl_fails_with_a_clear_error(
    moto: str, fixtures: dict[str, str], capsys: pytest.CaptureFixture[str]
):
    assert run(moto, {**fixtures, "ddl_path": "/nonexistent/ddl.sql"}, "--dry-run") == 2
    assert "Athena DDL not found: /nonexistent/ddl.sql" in capsys.readouterr().err


def assert_page_routes_open_and_data_routes_keyed(
    apigw: Any, api_id: str, imported: list[dict[str, Any]]
) -> None:
    """The dashboard's routes proxy to the API Lambda like the data routes, but without the key."""
    (doc,) = imported
    pages = {"/", "/dashboard", "/static/{proxy+}"}
    assert doc["x-amazon-apigateway-api-key-source"] == "HEADER"
    for path, operations in doc["paths"].items():
        security = operations["get"]["security"]
        assert security == ([] if path in pages else [{"api_key": []}]), path
    uri = doc["paths"]["/sales-by-product"]["get"]["x-amazon-apigateway-integration"]["uri"]
    assert uri.endswith(":function:duffbeer-orders-api/invocations")
    by_path = {r["path"]: r for r in apigw.get_resources(restApiId=api_id)["items"]}
    for path in sorted(pages | {"/sales-by-product"}):
        assert set(by_path[path]["resourceMethods"]) == {"GET"}, path
        integration = apigw.get_integration(
            restApiId=api_id, resourceId=by_path[path]["id"], httpMethod="GET"
        )
        # moto keeps the document's spelling (aws_proxy); AWS answers AWS_PROXY
        assert (integration["type"].upper(), integration["uri"]) == ("AWS_PROXY", uri), path


REPO = Path(__file__).resolve().parents[2]


REAL_FILES = {
    "ddl_path": "athena/ddl.sql",
    "openapi_path": "api/openapi.json",
    "job_script": "glue_jobs/process_orders.py",
}


def test_repository_ddl_openapi_and_job_script_deploy(
    moto: str, fixtures: dict[str, str], client: Any, capsys: pytest.CaptureFixture[str]
):
    """One deploy with every real file that exists (fixtures stand in for the rest)."""
    real = {k: str(REPO / v) for k, v in REAL_FILES.items() if (REPO / v).is_file()}
    if not real:
        pytest.skip(f"none of {', '.join(REAL_FILES.values())} is in the repository yet")
    assert run(moto, {**fixtures, **real}) == 0
    if "ddl_path" in real:
        tables = client("glue").get_tables(DatabaseName="duffbeer")["TableList"]
        locations = {t["Name"]: t["StorageDescriptor"].get("Location", "") for t in tables}
        for name in (
            "orders",
            "sales_by_client",
            "sales_by_product_channel",
            "order_status_daily",
            "rejected_orders",
        ):
            assert locations[name].rstrip("/") == f"s3://duffbeer-processed-orders/{name}"
        assert "duffbeer.processed_orders" in capsys.readouterr().out
    if "openapi_path" in real:
        (api,) = client("apigateway").get_rest_apis()["items"]
        items = client("apigateway").get_resources(restApiId=api["id"])["items"]
        paths = {r["path"] for r in items}
        assert {"/orders/{client_id}", "/sales-by-product", "/order-status-report"} <= paths
        assert {"/", "/dashboard", "/static/{proxy+}"} <= paths
    if "job_script" in real:
        obj = client("s3").get_object(
            Bucket="duffbeer-pipeline-artifacts", Key="glue/process_orders.py"
        )
        assert obj["Body"].read() == Path(real["job_script"]).read_bytes()
    capsys.readouterr()
    assert run(moto, {**fixtures, **real}) == 0
    assert {a for a, *_ in plan_lines(capsys.readouterr().out)} == {"unchanged"}
