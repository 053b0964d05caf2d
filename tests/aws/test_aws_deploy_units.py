"""Deployer pieces that need no server: update calls moto lacks (botocore Stubber,
which validates every request against the real service model), the IAM policies,
the DDL and OpenAPI rendering, the config and the packaging."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from athena.ddl import split_statements
from deploy import athena, glue
from deploy.apigw import render_openapi
from deploy.config import ConfigError, DeployConfig, load_config
from deploy.context import Context
from deploy.ddl import DdlError, parse_ddl
from deploy.names import Names
from deploy.package import api_zip, pip_vendor_command, transforms_zip, trigger_zip
from deploy.policies import WILDCARD_RESOURCE_ACTIONS, all_policies
from tests.aws.stack_fixtures import DDL, OPENAPI, write_fixtures

REPO = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"


def offline_context(config: DeployConfig | None = None, dry_run: bool = False) -> Context:
    """Clients point at a closed local port: any call not stubbed fails instead of leaving."""
    cfg = config or DeployConfig(endpoint_url="http://127.0.0.1:9")
    session = boto3.Session(
        aws_access_key_id="x", aws_secret_access_key="x", region_name="eu-west-1"
    )
    ctx = Context(cfg, session, dry_run=dry_run)
    ctx._names = Names(cfg, ACCOUNT)
    return ctx


def test_changed_glue_job_sends_the_full_definition_to_update_job():
    """Stubber: moto has no UpdateJob. Glue replaces the whole job on update, so a
    change of one field must still send every field."""
    ctx = offline_context()
    desired = glue.job_definition(ctx)
    current = {**desired, "Name": ctx.names.job, "NumberOfWorkers": 10}
    with Stubber(ctx.client("glue")) as stub:
        stub.add_response("get_job", {"Job": current}, {"JobName": ctx.names.job})
        stub.add_response(
            "update_job",
            {"JobName": ctx.names.job},
            {"JobName": ctx.names.job, "JobUpdate": desired},
        )
        glue.ensure_job(ctx)
        stub.assert_no_pending_responses()
    (change,) = ctx.changes
    assert (change.action, change.detail) == ("update", "NumberOfWorkers")
    assert set(desired) >= {
        "Role",
        "Command",
        "DefaultArguments",
        "ExecutionProperty",
        "MaxRetries",
        "Timeout",
        "GlueVersion",
        "WorkerType",
        "NumberOfWorkers",
    }


def test_changed_crawler_is_updated_with_its_full_definition():
    """Stubber: moto has no UpdateCrawler."""
    ctx = offline_context()
    desired = glue.crawler_definition(ctx)
    current = {
        **desired,
        "Name": ctx.names.crawler,
        "SchemaChangePolicy": {"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "LOG"},
    }
    with Stubber(ctx.client("glue")) as stub:
        stub.add_response("get_crawler", {"Crawler": current}, {"Name": ctx.names.crawler})
        stub.add_response("update_crawler", {}, {"Name": ctx.names.crawler, **desired})
        glue.ensure_crawler(ctx)
        stub.assert_no_pending_responses()
    assert ctx.changes[0].detail == "SchemaChangePolicy.UpdateBehavior"


def test_changed_athena_cutoff_updates_the_workgroup():
    """Stubber: moto has no UpdateWorkGroup."""
    ctx = offline_context(
        DeployConfig(endpoint_url="http://127.0.0.1:9", bytes_scanned_cutoff=50_000_000)
    )
    desired = athena.workgroup_definition(ctx)
    current = json.loads(json.dumps(desired))
    current["Configuration"]["BytesScannedCutoffPerQuery"] = 1_000_000_000
    with Stubber(ctx.client("athena")) as stub:
        stub.add_response("get_work_group", {"WorkGroup": {"Name": ctx.names.workgroup, **current}})
        stub.add_response(
            "update_work_group",
            {},
            {
                "WorkGroup": ctx.names.workgroup,
                "Description": desired["Description"],
                "State": "ENABLED",
                "ConfigurationUpdates": {
                    "EnforceWorkGroupConfiguration": True,
                    "PublishCloudWatchMetricsEnabled": True,
                    "BytesScannedCutoffPerQuery": 50_000_000,
                    "RequesterPaysEnabled": False,
                    "EngineVersion": {"SelectedEngineVersion": "Athena engine version 3"},
                    "ResultConfigurationUpdates": desired["Configuration"]["ResultConfiguration"],
                },
            },
        )
        athena.ensure_workgroup(ctx)
        stub.assert_no_pending_responses()
    assert ctx.changes[0].detail == "Configuration.BytesScannedCutoffPerQuery"


def test_dry_run_update_sends_no_update_call():
    """Stubber: an unexpected UpdateJob would raise (no response queued for it)."""
    ctx = offline_context(dry_run=True)
    current = {**glue.job_definition(ctx), "Name": ctx.names.job, "Timeout": 5}
    with Stubber(ctx.client("glue")) as stub:
        stub.add_response("get_job", {"Job": current}, {"JobName": ctx.names.job})
        glue.ensure_job(ctx)
        stub.assert_no_pending_responses()
    assert ctx.changes[0].action == "update"


def _statements(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return list(doc["Statement"])


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def violations(doc: dict[str, Any]) -> list[str]:
    """Wildcards this stack must never use."""
    found = []
    for st in _statements(doc):
        actions = _as_list(st.get("Action", []))
        if "*" in actions:
            found.append("Action '*'")
        if any(a.endswith(":*") for a in actions) and st["Effect"] != "Deny":
            found.append("service-wide Allow")
        if "*" in _as_list(st.get("Resource", [])) and not (
            set(actions) <= WILDCARD_RESOURCE_ACTIONS and st.get("Condition")
        ):
            found.append("unexpected Resource '*'")
        if st.get("Principal") == "*" and not (st["Effect"] == "Deny" and st.get("Condition")):
            found.append("Principal '*'")
    return found


@pytest.mark.parametrize("name", sorted(all_policies(Names(DeployConfig(), ACCOUNT))))
def test_no_policy_grants_every_action_or_unexpected_every_resource(name: str):
    assert violations(all_policies(Names(DeployConfig(), ACCOUNT))[name]) == []


def test_policy_check_rejects_wildcards():
    allow_all = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    assert violations(allow_all) == ["Action '*'", "unexpected Resource '*'"]
    logs = {"Statement": [{"Effect": "Allow", "Action": ["logs:PutLogEvents"], "Resource": "*"}]}
    assert violations(logs) == ["unexpected Resource '*'"]


def test_role_policies_are_scoped_to_the_stack_buckets():
    docs = all_policies(Names(DeployConfig(), ACCOUNT))
    for role in ("glue-job", "trigger", "api", "crawler"):
        for st in _statements(docs[f"role:{role}:inline"]):
            for resource in _as_list(st["Resource"]):
                if resource.startswith("arn:aws:s3"):
                    assert resource.split(":::")[1].split("/")[0] in DeployConfig().buckets


def test_ddl_tables_become_glue_table_inputs_with_locations_filled_in():
    statements = parse_ddl(DDL, "s3://bkt", "duffbeer")
    assert [(s.kind, s.name) for s in statements] == [
        ("database", "duffbeer"),
        ("table", "orders"),
        ("table", "rejected_orders"),
        ("view", "processed_orders"),
    ]
    orders = statements[1].table_input
    assert orders is not None
    sd = orders["StorageDescriptor"]
    assert sd["Location"] == "s3://bkt/orders/"
    assert sd["Columns"][0] == {
        "Name": "order_id",
        "Type": "string",
        "Comment": "order id; unique with product_id",
    }
    assert {"Name": "unit_price", "Type": "decimal(12,2)"} in sd["Columns"]
    assert sd["SerdeInfo"]["SerializationLibrary"].endswith("ParquetHiveSerDe")
    assert orders["PartitionKeys"] == [
        {"Name": "order_date", "Type": "date"},
        {"Name": "channel", "Type": "string"},
    ]
    assert orders["Parameters"]["EXTERNAL"] == "TRUE"
    rejected = statements[2].table_input
    assert rejected is not None
    assert {"Name": "reject_reasons", "Type": "array<string>"} in rejected["StorageDescriptor"][
        "Columns"
    ]
    assert "'x;y'" in statements[3].sql


def test_ddl_errors_are_specific():
    with pytest.raises(DdlError, match="unknown placeholders"):
        parse_ddl(
            DDL.replace("${processed_location}/orders/'", "${processed_locaton}/orders/'"),
            "s3://b",
            "duffbeer",
        )
    with pytest.raises(DdlError, match="not the configured"):
        parse_ddl(DDL, "s3://b", "other")
    with pytest.raises(DdlError, match="CREATE DATABASE/TABLE/VIEW only"):
        parse_ddl(DDL + "\nDROP TABLE duffbeer.orders;", "s3://b", "duffbeer")
    with pytest.raises(DdlError, match="STORED AS PARQUET"):
        parse_ddl(
            "CREATE EXTERNAL TABLE duffbeer.t (a int) LOCATION 's3://b/t/'", "s3://b", "duffbeer"
        )


def test_statement_split_respects_quotes_and_comments():
    text = "SELECT ';' AS a; -- c;\n/* d; */ SELECT \"x;\" FROM t;"
    assert split_statements(text) == ["SELECT ';' AS a", 'SELECT "x;" FROM t']


def test_openapi_gets_lambda_proxy_api_key_security_and_3_0_schemas():
    arn = "arn:aws:lambda:eu-west-1:1:function:api"
    doc = render_openapi(OPENAPI, arn, "eu-west-1")
    assert doc["openapi"] == "3.0.1"
    op = doc["paths"]["/orders/{client_id}"]["get"]
    assert op["security"] == [{"api_key": []}]
    integration = op["x-amazon-apigateway-integration"]
    assert integration["type"] == "aws_proxy" and arn in integration["uri"]
    assert op["parameters"][1]["schema"] == {"type": "string", "format": "date", "nullable": True}
    assert doc["components"]["securitySchemes"]["api_key"]["in"] == "header"
    assert OPENAPI["openapi"] == "3.1.0"  # the source document is not modified


def test_openapi_gets_the_dashboard_routes_open_and_refuses_to_shadow_its_own():
    arn = "arn:aws:lambda:eu-west-1:1:function:api"
    doc = render_openapi(OPENAPI, arn, "eu-west-1")
    for path in ("/", "/dashboard", "/static/{proxy+}"):
        (method,) = doc["paths"][path]
        page = doc["paths"][path][method]
        assert method == "get" and page["security"] == []
        assert page["x-amazon-apigateway-integration"]["type"] == "aws_proxy"
    (proxy,) = doc["paths"]["/static/{proxy+}"]["get"]["parameters"]
    assert proxy["in"] == "path" and proxy["required"] is True
    clash = {**OPENAPI, "paths": {**OPENAPI["paths"], "/dashboard": {"get": {}}}}
    with pytest.raises(ValueError, match="dashboard's routes"):
        render_openapi(clash, arn, "eu-west-1")


def test_config_file_and_flags_merge_with_types_checked(tmp_path: Path):
    path = tmp_path / "c.toml"
    path.write_text('[deploy]\nstack = "beer"\nnumber_of_workers = 3\n')
    cfg = load_config(path, {"number_of_workers": "4", "region": None})
    assert (cfg.stack, cfg.number_of_workers, cfg.region) == ("beer", 4, "eu-west-1")
    assert cfg.artifacts_bucket == "beer-pipeline-artifacts"
    assert cfg.input_bucket == "duffbeer-input-orders"
    with pytest.raises(ConfigError, match="unknown config keys: nmber"):
        load_config(path, {"nmber": 1})
    with pytest.raises(ConfigError, match="expected int"):
        load_config(path, {"number_of_workers": "many"})
    with pytest.raises(ConfigError, match="Athena minimum"):
        load_config(path, {"bytes_scanned_cutoff": 5})


def test_shipped_config_loads():
    cfg = load_config(REPO / "deploy" / "config.toml")
    assert cfg.processed_bucket == "duffbeer-processed-orders" and cfg.endpoint_url == ""


def test_packages_are_reproducible_and_hold_only_what_each_runtime_needs(tmp_path: Path):
    assert transforms_zip(REPO) == transforms_zip(REPO)
    names = zipfile.ZipFile(io.BytesIO(trigger_zip(REPO))).namelist()
    assert "lambdas/trigger.py" in names and "transforms/contract.py" in names
    assert "transforms/schemas.py" not in names  # no PySpark import in the Lambda
    assert "transforms/schemas.py" in zipfile.ZipFile(io.BytesIO(transforms_zip(REPO))).namelist()
    deps = Path(write_fixtures(tmp_path)["api_dependencies_dir"])
    api_names = zipfile.ZipFile(io.BytesIO(api_zip(REPO, deps))).namelist()
    assert "vendored_pkg/__init__.py" in api_names and "api/__init__.py" in api_names


def test_api_dependencies_are_vendored_as_lambda_wheels():
    command = pip_vendor_command(Path("/t"), REPO / "constraints.txt")
    assert command[command.index("--platform") + 1] == "manylinux2014_x86_64"
    assert command[command.index("--python-version") + 1] == "3.11"
    assert "--only-binary=:all:" in command and "fastapi" in command and "mangum" in command


def test_function_creation_waits_out_iam_propagation_but_not_other_errors():
    """Stubber: moto accepts a new role at once; real IAM may take seconds."""
    from deploy.functions import _retry_new_role

    lam = offline_context().client("lambda")
    params = {"FunctionName": "f", "Role": "arn:aws:iam::1:role/r", "Code": {"ZipFile": b"z"}}
    message = "The role defined for the function cannot be assumed by Lambda."
    with Stubber(lam) as stub:
        stub.add_client_error("create_function", "InvalidParameterValueException", message)
        stub.add_response("create_function", {"FunctionName": "f"}, params)
        _retry_new_role(lambda: lam.create_function(**params), pause=0)
        stub.assert_no_pending_responses()
        stub.add_client_error("create_function", "InvalidParameterValueException", "bad runtime")
        with pytest.raises(Exception, match="bad runtime"):
            _retry_new_role(lambda: lam.create_function(**params), pause=0)
