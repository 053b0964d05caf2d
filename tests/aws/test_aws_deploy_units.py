"""Unit tests of the deployer's pieces: DDL -> Glue tables, the API body (both from the
committed athena/ddl.sql and api/openapi.json), config, packages, the change-set runner
(botocore Stubber: validates every request against the real CloudFormation model; moto
neither rolls back nor fails an execution)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from athena.ddl import VIEWS, split_statements
from contract.orders import CHANNELS
from deploy.apigw import render_openapi
from deploy.config import ConfigError, DeployConfig, load_config
from deploy.ddl import PARQUET_INPUT, DdlError, parse_ddl
from deploy.deployment import parameters, stack_names
from deploy.package import (
    API_CONSTRAINTS,
    api_zip,
    job_zip,
    pip_vendor_command,
    pipeline_zip,
)
from deploy.stack import DeployError, deploy_stack
from deploy.template import build_template
from transforms.tables import PUBLIC_TABLES, Table

REPO = Path(__file__).resolve().parents[2]
# The committed files a deploy ships (deploy/config.toml's ddl_path; deploy/template_app.py).
DDL = (REPO / "athena" / "ddl.sql").read_text(encoding="utf-8")


def openapi() -> dict[str, Any]:
    return json.loads((REPO / "api" / "openapi.json").read_text(encoding="utf-8"))


ACCOUNT = "123456789012"


def _columns(names: tuple[str, ...], table: Table) -> list[dict[str, str]]:
    """Glue columns as the Spark schema declares them (names and Spark SQL type names)."""
    return [{"Name": c, "Type": table.schema[c].dataType.simpleString()} for c in names]


def test_ddl_tables_become_glue_table_inputs_with_locations_filled_in():
    statements = parse_ddl(DDL, "s3://bkt", "duffbeer")
    assert [(s.kind, s.name) for s in statements] == [
        ("database", "duffbeer"),
        *[("table", name) for name in PUBLIC_TABLES],
        *[("view", view) for view in VIEWS],
    ]
    inputs = {s.name: s.table_input for s in statements if s.kind == "table"}
    for name, table in PUBLIC_TABLES.items():
        got = inputs[name]
        assert got is not None
        sd = got["StorageDescriptor"]
        assert sd["Location"] == f"s3://bkt/{name}/_manifest/"  # the manifests' folder
        assert sd["Columns"] == _columns(table.data_columns, table)
        assert got["PartitionKeys"] == _columns(table.partitions, table)
        assert sd["SerdeInfo"]["SerializationLibrary"].endswith(".ParquetHiveSerDe")
        assert sd["InputFormat"] == "org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat"
        assert got["Parameters"]["EXTERNAL"] == "TRUE"
        assert got["Parameters"]["projection.enabled"] == "true"
    orders = inputs["orders"]
    assert orders is not None
    assert {"Name": "unit_price", "Type": "decimal(12,2)"} in orders["StorageDescriptor"]["Columns"]
    assert orders["PartitionKeys"] == [
        {"Name": "order_date", "Type": "date"},
        {"Name": "channel", "Type": "string"},
    ]
    assert orders["Parameters"]["projection.channel.values"] == ",".join(CHANNELS)
    rejected = inputs["rejected_orders"]
    assert rejected is not None
    assert {"Name": "reject_reasons", "Type": "array<string>"} in rejected["StorageDescriptor"][
        "Columns"
    ]
    (view,) = [s for s in statements if s.kind == "view"]
    assert view.sql == (
        "CREATE OR REPLACE VIEW duffbeer.processed_orders AS SELECT * FROM duffbeer.orders"
    )


def test_ddl_column_comments_are_kept():
    ddl = (
        "CREATE EXTERNAL TABLE duffbeer.t (a string COMMENT 'id; unique') "
        "STORED AS PARQUET LOCATION '${processed_location}/t/'"
    )
    (table,) = parse_ddl(ddl, "s3://b", "duffbeer")
    assert table.table_input is not None
    sd = table.table_input["StorageDescriptor"]
    assert sd["Columns"] == [{"Name": "a", "Type": "string", "Comment": "id; unique"}]
    assert (sd["Location"], sd["InputFormat"]) == ("s3://b/t/", PARQUET_INPUT)


def test_ddl_errors_are_specific():
    typo = DDL.replace("${processed_location}/orders/", "${processed_locaton}/orders/")
    assert typo != DDL
    with pytest.raises(DdlError, match=r"unknown placeholders in DDL: \$\{processed_locaton\}"):
        parse_ddl(typo, "s3://b", "duffbeer")
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
    source = openapi()
    doc = render_openapi(source, arn, "eu-west-1")
    assert doc["openapi"] == "3.0.1"
    operations = [(path, method) for path, ops in source["paths"].items() for method in ops]
    assert ("/orders/{client_id}", "get") in operations
    for path, method in operations:
        op = doc["paths"][path][method]
        assert op["security"] == [{"api_key": []}]
        integration = op["x-amazon-apigateway-integration"]
        assert integration["type"] == "aws_proxy" and arn in integration["uri"]
        assert op.get("parameters") == source["paths"][path][method].get("parameters")
    schemas, rendered = source["components"]["schemas"], doc["components"]["schemas"]
    # anyOf [X, null] becomes X with nullable; const becomes a one-value enum
    token = schemas["OrdersPage"]["properties"]["next_token"]
    assert token["anyOf"] == [{"type": "string"}, {"type": "null"}]
    assert rendered["OrdersPage"]["properties"]["next_token"] == {
        **{k: v for k, v in token.items() if k != "anyOf"},
        "type": "string",
        "nullable": True,
    }
    status = schemas["Health"]["properties"]["status"]
    assert rendered["Health"]["properties"]["status"] == {
        **{k: v for k, v in status.items() if k != "const"},
        "enum": [status["const"]],
    }
    assert '{"type": "null"}' not in json.dumps(doc) and '"const"' not in json.dumps(doc)
    assert doc["components"]["securitySchemes"]["api_key"]["in"] == "header"
    assert source == openapi()  # the source document is not modified


def test_openapi_gets_the_dashboard_routes_open_and_refuses_to_shadow_its_own():
    arn = "arn:aws:lambda:eu-west-1:1:function:api"
    source = openapi()
    doc = render_openapi(source, arn, "eu-west-1")
    assert set(doc["paths"]) == set(source["paths"]) | {"/", "/dashboard", "/static/{proxy+}"}
    for path in ("/", "/dashboard", "/static/{proxy+}"):
        (method,) = doc["paths"][path]
        page = doc["paths"][path][method]
        assert method == "get" and page["security"] == []
        assert page["x-amazon-apigateway-integration"]["type"] == "aws_proxy"
    (proxy,) = doc["paths"]["/static/{proxy+}"]["get"]["parameters"]
    assert proxy["in"] == "path" and proxy["required"] is True
    clash = {**source, "paths": {**source["paths"], "/dashboard": {"get": {}}}}
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


def test_the_job_runs_one_at_a_time_whatever_the_config_asks(tmp_path: Path):
    path = tmp_path / "c.toml"
    path.write_text("[deploy]\nmax_concurrent_runs = 2\n")
    with pytest.raises(ConfigError, match=r"max_concurrent_runs must be 1, got 2: .*same tables"):
        load_config(path)
    with pytest.raises(ConfigError, match=r'docs/tables\.md "Concurrent runs"'):
        load_config(None, {"max_concurrent_runs": "0"})  # a --set flag, as the CLI passes it
    assert load_config(None, {"max_concurrent_runs": 1}).max_concurrent_runs == 1
    template = build_template()
    job = template["Resources"]["ProcessOrdersJob"]["Properties"]
    assert job["ExecutionProperty"] == {"MaxConcurrentRuns": 1}  # fixed: no parameter sets it
    assert "MaxConcurrentRuns" not in template["Parameters"]
    cfg = DeployConfig()
    assert set(parameters(cfg, stack_names(cfg, ACCOUNT), {})) <= set(template["Parameters"])


def test_shipped_config_loads():
    cfg = load_config(REPO / "deploy" / "config.toml")
    assert (
        cfg.processed_bucket == "" and cfg.endpoint_url == "" and cfg.upload_prefix == "incoming/"
    )


def test_packages_are_reproducible_and_hold_only_what_each_runtime_needs(api_dependencies: Path):
    assert job_zip(REPO) == job_zip(REPO)
    names = zipfile.ZipFile(io.BytesIO(pipeline_zip(REPO))).namelist()
    assert (
        "lambdas/steps.py" in names
        and "lambdas/batcher.py" in names
        and "contract/orders.py" in names
    )
    assert "transforms/tables.py" not in names  # no PySpark import in the Lambda
    assert "transforms/tables.py" in zipfile.ZipFile(io.BytesIO(job_zip(REPO))).namelist()
    api_names = zipfile.ZipFile(io.BytesIO(api_zip(REPO, api_dependencies))).namelist()
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


def test_boolean_settings_take_true_or_false_and_reach_the_template_in_lower_case(tmp_path: Path):
    path = tmp_path / "deploy.toml"
    path.write_text("[deploy]\napi_access_logs = true\n")
    config = load_config(path, {"api_reserved_concurrency": "5"})
    assert (config.api_access_logs, config.api_reserved_concurrency) == (True, 5)
    assert load_config(path, {"api_access_logs": "false"}).api_access_logs is False
    with pytest.raises(ConfigError, match="api_access_logs: expected true or false"):
        load_config(path, {"api_access_logs": "yes"})
    with pytest.raises(ConfigError, match="rejected_rows_alarm_percent"):
        load_config(path, {"rejected_rows_alarm_percent": "101"})
    names = stack_names(config, "123456789012")
    values = parameters(config, names, {})
    assert (values["ApiAccessLogs"], values["ApiReservedConcurrency"]) == ("true", "5")
    assert values["RejectedRowsAlarmPercent"] == "5"


def test_each_setting_is_declared_once_and_becomes_its_template_parameter():
    """A config field with ``parameter(...)`` metadata is the template parameter of its
    CamelCase name, with its default; the deploy fills every parameter the template has."""
    from deploy.config import parameter_fields, parameter_name, template_text
    from deploy.template import PARAMETERS

    config = DeployConfig()
    keys = {k: "k" for k in ("JobScriptKey", "JobCodeKey", "PipelineCodeKey", "ApiCodeKey")}
    values = parameters(config, stack_names(config, "123456789012"), keys)
    assert set(values) == set(PARAMETERS)
    settings = parameter_fields()
    assert {"worker_type", "first_order_date", "api_access_logs"} <= {f.name for f in settings}
    for f in settings:
        spec = PARAMETERS[parameter_name(f.name)]
        assert (
            template_text(spec["Default"])
            == template_text(f.default)
            == values[parameter_name(f.name)]
        ), f.name


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("number_of_workers", "300", "number_of_workers must be 2..299: 300"),
        ("log_retention_days", "31", "log_retention_days must be one of 1, 3, 5"),
        ("api_stage", "v-1", "api_stage must match"),
        ("job_timeout_minutes", "0", "job_timeout_minutes must be 1..2880"),
    ],
)
def test_a_setting_the_template_would_refuse_is_refused_by_the_config(
    key: str, value: str, message: str
):
    with pytest.raises(ConfigError, match=message):
        load_config(None, {key: value})
