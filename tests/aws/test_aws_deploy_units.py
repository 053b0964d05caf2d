"""Unit tests of the deployer's pieces: DDL -> Glue tables, the API body, config,
packages, the change-set runner (botocore Stubber: validates every request against the
real CloudFormation model; moto neither rolls back nor fails an execution)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import boto3
import pytest
from botocore.stub import ANY, Stubber

from athena.ddl import split_statements
from deploy.apigw import render_openapi
from deploy.config import ConfigError, DeployConfig, load_config
from deploy.ddl import DdlError, parse_ddl
from deploy.package import (
    API_CONSTRAINTS,
    api_zip,
    pip_vendor_command,
    pipeline_zip,
    transforms_zip,
)
from deploy.stack import DeployError, deploy_stack
from scripts.deploy_job import parameters, stack_names
from tests.aws.stack_fixtures import DDL, OPENAPI, write_fixtures

REPO = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"


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
    assert cfg.bucket_names(ACCOUNT)["artifacts"] == f"beer-artifacts-{ACCOUNT}-eu-west-1"
    with pytest.raises(ConfigError, match="unknown config keys: nmber"):
        load_config(path, {"nmber": 1})
    with pytest.raises(ConfigError, match="expected int"):
        load_config(path, {"number_of_workers": "many"})
    with pytest.raises(ConfigError, match="Athena minimum"):
        load_config(path, {"bytes_scanned_cutoff": 5})
    with pytest.raises(ConfigError, match="batch_window_seconds"):
        load_config(path, {"batch_window_seconds": 301})
    with pytest.raises(ConfigError, match="first_order_date"):
        load_config(path, {"first_order_date": "2025-13-01"})
    with pytest.raises(ConfigError, match="not a valid S3 bucket name"):
        DeployConfig(input_bucket="Bad_Name").bucket_names(ACCOUNT)


def test_glue_version_comes_from_config_into_the_job_template_parameter(tmp_path: Path):
    path = tmp_path / "c.toml"
    path.write_text('[deploy]\nglue_version = "6.0"\n')
    cfg = load_config(path)
    values = parameters(cfg, stack_names(cfg, ACCOUNT), {})
    assert values["GlueVersion"] == "6.0"
    assert load_config(path, {"glue_version": "5.1"}).glue_version == "5.1"  # --set wins
    with pytest.raises(ConfigError, match=r"glue_version must be one of 5\.1, 6\.0"):
        load_config(path, {"glue_version": "4.0"})
    template = json.loads((REPO / "deploy" / "template.json").read_text())
    job = template["Resources"]["ProcessOrdersJob"]["Properties"]
    assert job["GlueVersion"] == {"Ref": "GlueVersion"}
    assert template["Parameters"]["GlueVersion"]["AllowedValues"] == ["5.1", "6.0"]


def test_shipped_config_loads():
    cfg = load_config(REPO / "deploy" / "config.toml")
    assert (
        cfg.processed_bucket == "" and cfg.endpoint_url == "" and cfg.upload_prefix == "incoming/"
    )


def test_packages_are_reproducible_and_hold_only_what_each_runtime_needs(tmp_path: Path):
    assert transforms_zip(REPO) == transforms_zip(REPO)
    names = zipfile.ZipFile(io.BytesIO(pipeline_zip(REPO))).namelist()
    assert (
        "lambdas/steps.py" in names
        and "lambdas/batcher.py" in names
        and "transforms/contract.py" in names
    )
    assert "transforms/schemas.py" not in names  # no PySpark import in the Lambda
    assert "transforms/schemas.py" in zipfile.ZipFile(io.BytesIO(transforms_zip(REPO))).namelist()
    deps = Path(write_fixtures(tmp_path)["api_dependencies_dir"])
    api_names = zipfile.ZipFile(io.BytesIO(api_zip(REPO, deps))).namelist()
    assert "vendored_pkg/__init__.py" in api_names and "api/__init__.py" in api_names


def test_api_dependencies_are_vendored_as_lambda_wheels():
    command = pip_vendor_command(Path("/t"), REPO / API_CONSTRAINTS)
    assert command[command.index("--platform") + 1] == "manylinux2014_x86_64"
    assert command[command.index("--python-version") + 1] == "3.13"
    assert "--only-binary=:all:" in command and "fastapi" in command and "mangum" in command


def offline_cfn():  # type: ignore[no-untyped-def]
    """A client on a closed local port: any call not stubbed fails instead of leaving."""
    session = boto3.Session(
        aws_access_key_id="x", aws_secret_access_key="x", region_name="eu-west-1"
    )
    return session.client("cloudformation", endpoint_url="http://127.0.0.1:9")


def _stack(status: str) -> dict[str, object]:
    return {"Stacks": [{"StackName": "s", "StackStatus": status, "CreationTime": "2026-01-01"}]}


def test_a_failed_update_is_reported_with_its_reasons_after_rollback():
    cfn = offline_cfn()
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", _stack("UPDATE_COMPLETE"), {"StackName": "s"})
        stub.add_response("create_change_set", {"Id": "cs", "StackId": "sid"}, {
            "StackName": "s", "ChangeSetName": ANY, "ChangeSetType": "UPDATE", "Parameters": ANY,
            "Capabilities": ["CAPABILITY_NAMED_IAM"], "Description": ANY, "TemplateBody": "{}",
        })  # fmt: skip
        stub.add_response("describe_change_set", {"Status": "CREATE_COMPLETE", "Changes": []})
        stub.add_response("describe_change_set", {"Status": "CREATE_COMPLETE", "Changes": [
            {"Type": "Resource", "ResourceChange": {"Action": "Modify", "LogicalResourceId": "Job",
             "ResourceType": "AWS::Glue::Job", "Replacement": "False"}}]})  # fmt: skip
        stub.add_response("execute_change_set", {})
        stub.add_response("describe_stacks", _stack("UPDATE_ROLLBACK_COMPLETE"))
        stub.add_response("describe_stack_events", {"StackEvents": [
            {"StackId": "sid", "EventId": "e", "StackName": "s", "LogicalResourceId": "Job",
             "Timestamp": "2026-01-01", "ResourceStatus": "UPDATE_FAILED",
             "ResourceStatusReason": "Role is not assumable"}]})  # fmt: skip
        with pytest.raises(DeployError, match="rolled back: Job: Role is not assumable"):
            deploy_stack(cfn, "s", {"A": "1"}, template_body="{}")
        stub.assert_no_pending_responses()


def test_an_empty_change_set_means_no_changes_and_is_deleted():
    cfn = offline_cfn()
    reason = "The submitted information didn't contain changes. Submit different information."
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", _stack("CREATE_COMPLETE"))
        stub.add_response("create_change_set", {"Id": "cs", "StackId": "sid"})
        stub.add_response("describe_change_set", {"Status": "FAILED", "StatusReason": reason})
        stub.add_response("describe_change_set", {"Status": "FAILED", "StatusReason": reason})
        stub.add_response("delete_change_set", {})
        assert deploy_stack(cfn, "s", {}, template_body="{}").action == "none"
        stub.assert_no_pending_responses()


def test_a_dry_run_shows_the_change_set_and_executes_nothing():
    cfn = offline_cfn()
    change = {"Type": "Resource", "ResourceChange": {"Action": "Add", "LogicalResourceId": "Q",
              "ResourceType": "AWS::SQS::Queue"}}  # fmt: skip
    with Stubber(cfn) as stub:
        stub.add_client_error(
            "describe_stacks", "ValidationError", "Stack with id s does not exist"
        )
        stub.add_response("create_change_set", {"Id": "cs", "StackId": "sid"})
        stub.add_response("describe_change_set", {"Status": "CREATE_COMPLETE"})
        stub.add_response("describe_change_set", {"Status": "CREATE_COMPLETE", "Changes": [change]})
        stub.add_response("delete_change_set", {})
        stub.add_response("delete_stack", {})
        outcome = deploy_stack(cfn, "s", {}, template_body="{}", dry_run=True)
        stub.assert_no_pending_responses()  # no execute_change_set was made
    assert outcome.action == "planned" and outcome.changes[0]["logical_id"] == "Q"


def test_the_pipeline_zip_imports_its_handlers_without_pyspark(tmp_path: Path):
    import subprocess
    import sys

    archive = tmp_path / "pipeline.zip"
    archive.write_bytes(pipeline_zip(REPO))
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import lambdas.steps, lambdas.batcher; "
        "assert lambdas.steps.__file__.startswith(sys.argv[1]); "
        "assert not any(m.startswith('pyspark') for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code, str(archive)], check=True, cwd=tmp_path)
