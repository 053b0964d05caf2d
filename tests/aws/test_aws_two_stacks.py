"""Two stacks side by side: every name a stack gives a resource is its own.

Statically, every named resource of deploy/template.json is named from the stack (its
name, or a parameter scripts/deploy_job.py derives from it); against the moto server, two
stacks deployed into one account and region both come up, each with its own Glue database,
tables, job, workgroup, views and API settings, and tearing one down leaves the other."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from athena.catalog import DATABASE
from deploy.config import ConfigError, DeployConfig
from deploy.ddl import Statement
from deploy.deployment import parameters, stack_names
from deploy.names import BUCKET_PARAMETERS, DATABASE_PARAMETER, Names
from deploy.template import TEMPLATE_PATH
from deploy.views import retarget, view_statements
from scripts.deploy_job import main as deploy_main

REPO = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
VIEW_TWO = (
    "CREATE OR REPLACE VIEW duffbeer_two.processed_orders AS SELECT * FROM duffbeer_two.orders"
)
# Where each type keeps the name AWS makes unique per account and region (or globally).
PHYSICAL_NAME = {
    "AWS::S3::Bucket": ("BucketName",),
    "AWS::SQS::Queue": ("QueueName",),
    "AWS::SNS::Topic": ("TopicName",),
    "AWS::Glue::Database": ("DatabaseInput", "Name"),
    "AWS::Glue::Job": ("Name",),
    "AWS::Athena::WorkGroup": ("Name",),
    "AWS::IAM::Role": ("RoleName",),
    "AWS::Logs::LogGroup": ("LogGroupName",),
    "AWS::Lambda::Function": ("FunctionName",),
    "AWS::StepFunctions::StateMachine": ("StateMachineName",),
    "AWS::ApiGateway::RestApi": ("Name",),
    "AWS::ApiGateway::ApiKey": ("Name",),
    "AWS::ApiGateway::UsagePlan": ("UsagePlanName",),
    "AWS::CloudWatch::Alarm": ("AlarmName",),
}
# Types with no name of their own, or one that is unique only inside a per-stack parent.
ALLOWED_UNNAMED = {
    "AWS::Glue::Table": "named inside the stack's database",
    "AWS::ApiGateway::Stage": "named inside the stack's REST API",
    "AWS::ApiGateway::Deployment": "no name",
    "AWS::ApiGateway::UsagePlanKey": "no name",
    "AWS::S3::BucketPolicy": "no name",
    "AWS::SQS::QueuePolicy": "no name",
    "AWS::SNS::TopicPolicy": "no name",
    "AWS::SNS::Subscription": "no name",
    "AWS::Lambda::EventSourceMapping": "no name",
    "AWS::Lambda::Permission": "no name",
}
# Parameters scripts/deploy_job.py fills with names derived from the stack (tested below).
FROM_STACK = {*BUCKET_PARAMETERS.values(), DATABASE_PARAMETER}
# Names that are global to the account (IAM) or to S3 must carry the region too.
NEEDS_REGION = {"AWS::IAM::Role"}


def name_problems(template: dict[str, Any]) -> list[str]:
    """Every named resource whose name does not depend on the stack, and every type that
    is neither named nor explicitly allowed."""
    problems = []
    for logical, res in template["Resources"].items():
        kind = res["Type"]
        if kind in ALLOWED_UNNAMED:
            continue
        if kind not in PHYSICAL_NAME:
            problems.append(f"{logical}: {kind} is not classified (PHYSICAL_NAME/ALLOWED_UNNAMED)")
            continue
        value: Any = res["Properties"]
        for key in PHYSICAL_NAME[kind]:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, dict) and set(value) == {"Ref"}:
            if value["Ref"] not in FROM_STACK:
                problems.append(f"{logical}: named by parameter {value['Ref']}")
            continue
        text = value.get("Fn::Sub") if isinstance(value, dict) else None
        if not isinstance(text, str):
            problems.append(f"{logical}: fixed or missing name {value!r}")
        elif "${AWS::StackName}" not in text and not any("${%s}" % p in text for p in FROM_STACK):  # noqa: UP031
            problems.append(f"{logical}: name {text!r} does not depend on the stack")
        elif kind in NEEDS_REGION and "${AWS::Region}" not in text:
            problems.append(f"{logical}: account-global name {text!r} lacks the region")
    return problems


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return json.loads(TEMPLATE_PATH.read_text(encoding="utf-8"))


def test_every_named_resource_is_named_from_the_stack(template: dict[str, Any]):
    assert name_problems(template) == []
    named = [r for r in template["Resources"].values() if r["Type"] in PHYSICAL_NAME]
    assert len(named) >= 20  # the walk above really saw the stack's resources


def test_a_fixed_name_is_caught(template: dict[str, Any]):
    broken = json.loads(json.dumps(template))
    broken["Resources"]["CatalogDatabase"]["Properties"]["DatabaseInput"]["Name"] = DATABASE
    role = broken["Resources"]["GlueJobRole"]["Properties"]
    role["RoleName"] = {"Fn::Sub": "${AWS::StackName}-glue-job-role"}
    broken["Resources"]["Extra"] = {"Type": "AWS::Events::Rule", "Properties": {}}
    assert name_problems(broken) == [
        f"CatalogDatabase: fixed or missing name {DATABASE!r}",
        "GlueJobRole: account-global name '${AWS::StackName}-glue-job-role' lacks the region",
        "Extra: AWS::Events::Rule is not classified (PHYSICAL_NAME/ALLOWED_UNNAMED)",
    ]


def test_the_database_follows_every_use_of_the_parameter(template: dict[str, Any]):
    """The database's name, the API's setting and the catalog ARNs all use DatabaseName;
    nothing in the template still names the local database."""
    res = template["Resources"]
    assert res["CatalogDatabase"]["Properties"]["DatabaseInput"]["Name"] == {
        "Ref": DATABASE_PARAMETER
    }
    env = res["ApiFunction"]["Properties"]["Environment"]["Variables"]
    assert env["DUFFBEER_ATHENA_DATABASE"] == {"Ref": DATABASE_PARAMETER}
    tables = [r for r in res.values() if r["Type"] == "AWS::Glue::Table"]
    assert tables and all(
        t["Properties"]["DatabaseName"] == {"Ref": "CatalogDatabase"} for t in tables
    )
    text = json.dumps(template)
    assert f"database/{DATABASE}" not in text and f"table/{DATABASE}/" not in text
    assert "database/${DatabaseName}" in text and "table/${DatabaseName}/*" in text


def test_deploy_config_derives_the_database_from_the_stack_unless_chosen():
    assert DeployConfig().database_name() == DATABASE == "duffbeer"  # the documented default
    assert DeployConfig(stack="duffbeer-test").database_name() == "duffbeer_test"
    assert DeployConfig(stack="t", database="orders_prod").database_name() == "orders_prod"
    with pytest.raises(ConfigError, match="not a valid Glue/Athena database name"):
        DeployConfig(database="Orders-Prod").database_name()


def test_two_stacks_get_distinct_parameters_and_metric_namespaces():
    one, two = (stack_names(DeployConfig(stack=s), ACCOUNT) for s in ("duffbeer", "duffbeer-two"))
    p1, p2 = (parameters(DeployConfig(stack=n.stack), n, {}) for n in (one, two))
    assert {k for k in FROM_STACK if p1[k] == p2[k]} == set()
    assert (p1[DATABASE_PARAMETER], p2[DATABASE_PARAMETER]) == ("duffbeer", "duffbeer_two")
    assert one.metric_namespace != two.metric_namespace
    eu, us = (Names("duffbeer", region, ACCOUNT) for region in ("eu-west-1", "us-east-1"))
    assert eu.role("glue-job") != us.role("glue-job")
    longest = Names("a" * 30, "ap-southeast-2", ACCOUNT).role("state-machine")
    assert len(longest) <= 64  # IAM's role-name limit


def test_views_are_retargeted_to_the_stack_database():
    (view,) = view_statements(REPO / "athena" / "ddl.sql", "s3://bucket", "duffbeer_two")
    assert view.database == "duffbeer_two"
    assert view.sql == VIEW_TWO
    (same,) = view_statements(REPO / "athena" / "ddl.sql", "s3://bucket", DATABASE)
    assert same.sql.startswith(f"CREATE OR REPLACE VIEW {DATABASE}.processed_orders")
    other = Statement(
        "view", DATABASE, "v", f"CREATE OR REPLACE VIEW {DATABASE}.v AS SELECT * FROM ref.t"
    )
    assert retarget(other, "x").sql == "CREATE OR REPLACE VIEW x.v AS SELECT * FROM ref.t"


@pytest.fixture
def deploy(moto: str, session: boto3.Session, api_dependencies: Path):  # type: ignore[no-untyped-def]
    deps = api_dependencies

    def run(stack: str, *extra: str) -> int:
        argv = ["--endpoint-url", moto, "--stack", stack]
        return deploy_main(
            [*argv, "--set", f"api_dependencies_dir={deps}", *extra], session=session
        )

    return run


def test_two_stacks_in_one_account_and_region_do_not_collide(deploy, client, capsys):  # type: ignore[no-untyped-def]
    assert deploy("duffbeer") == 0
    assert deploy("duffbeer-two") == 0
    out = capsys.readouterr().out
    assert "stack duffbeer-two: create" in out
    assert "athena view duffbeer_two.processed_orders: create" in out
    cfn, glue, lam = client("cloudformation"), client("glue"), client("lambda")
    for stack in ("duffbeer", "duffbeer-two"):
        status = cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
        assert status == "CREATE_COMPLETE", stack
    databases = {d["Name"] for d in glue.get_databases()["DatabaseList"]}
    assert databases == {"duffbeer", "duffbeer_two"}
    tables = {
        db: {t["Name"] for t in glue.get_tables(DatabaseName=db)["TableList"]} for db in databases
    }
    assert tables["duffbeer"] == tables["duffbeer_two"] and "orders" in tables["duffbeer"]
    assert {j["Name"] for j in glue.get_jobs()["Jobs"]} == {
        "duffbeer-process-orders",
        "duffbeer-two-process-orders",
    }
    groups = {w["Name"] for w in client("athena").list_work_groups()["WorkGroups"]}
    assert {"duffbeer-analytics", "duffbeer-two-analytics"} <= groups
    api_env = {
        stack: lam.get_function_configuration(FunctionName=f"{stack}-orders-api")["Environment"][
            "Variables"
        ]["DUFFBEER_ATHENA_DATABASE"]
        for stack in ("duffbeer", "duffbeer-two")
    }
    assert api_env == {"duffbeer": "duffbeer", "duffbeer-two": "duffbeer_two"}
    athena = client("athena")
    ran = [
        athena.get_query_execution(QueryExecutionId=q)["QueryExecution"]
        for q in athena.list_query_executions(WorkGroup="duffbeer-two-analytics")[
            "QueryExecutionIds"
        ]
    ]
    assert [(q["QueryExecutionContext"]["Database"], q["Query"]) for q in ran] == [
        (
            "duffbeer_two",
            VIEW_TWO,
        )
    ]
    roles = {r["RoleName"] for r in client("iam").list_roles()["Roles"]}
    assert {"duffbeer-api-role-eu-west-1", "duffbeer-two-api-role-eu-west-1"} <= roles

    # Tearing one down leaves the other whole.
    assert deploy("duffbeer-two", "--teardown", "--force") == 0
    assert {d["Name"] for d in glue.get_databases()["DatabaseList"]} == {"duffbeer"}
    assert cfn.describe_stacks(StackName="duffbeer")["Stacks"][0]["StackStatus"] == (
        "CREATE_COMPLETE"
    )
    assert {j["Name"] for j in glue.get_jobs()["Jobs"]} == {"duffbeer-process-orders"}
    assert deploy("duffbeer") == 0
    assert "stack duffbeer: no changes" in capsys.readouterr().out
