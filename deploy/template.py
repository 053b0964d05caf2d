"""The stack as one CloudFormation template, generated from the project's own definitions
and committed as deploy/template.json (`make template`; a test fails when it is stale).

Every deploy-time value (bucket names, artifact keys, sizes, limits) is a template
parameter filled in by scripts/deploy_job.py from deploy/config.toml, so the template
itself only changes when the code that generates it (or what it is derived from: the
table DDL, the OpenAPI document, the state machine) changes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from deploy.cfn import sub
from deploy.checkov_skips import with_checkov_skips
from deploy.config import (
    DATABASE_NAME,
    DEFAULT_GLUE_VERSION,
    GLUE_RUNTIMES,
    REPO_ROOT,
    WORKER_TYPES,
)
from deploy.names import BUCKET_PARAMETERS, DATABASE_PARAMETER
from deploy.template_app import ACCESS_LOGS, RESERVED_CONCURRENCY, app_resources
from deploy.template_data import data_resources

TEMPLATE_PATH = REPO_ROOT / "deploy" / "template.json"
BOOTSTRAP_PATH = REPO_ROOT / "deploy" / "bootstrap.json"
RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827]


def _string(description: str, **extra: Any) -> dict[str, Any]:
    return {"Type": "String", "Description": description, **extra}


def _number(description: str, low: float, high: float) -> dict[str, Any]:
    return {"Type": "Number", "Description": description, "MinValue": low, "MaxValue": high}


BUCKET = {"AllowedPattern": "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"}
KEY = {"AllowedPattern": "^[A-Za-z0-9/._-]+$"}

PARAMETERS: dict[str, dict[str, Any]] = {
    **{
        name: _string(f"Name of the {purpose} bucket", **BUCKET)
        for purpose, name in BUCKET_PARAMETERS.items()
    },
    DATABASE_PARAMETER: _string(
        "Glue database of the tables and views (scripts/deploy_job.py: the stack name with "
        "'-' as '_', unless the config's database is set)",
        AllowedPattern=DATABASE_NAME.pattern,
    ),
    "UploadPrefix": _string(
        "Uploads go under this prefix", Default="incoming/", AllowedPattern="^[a-z0-9_-]+/$"
    ),
    "JobScriptKey": _string("Artifacts key of the Glue entry script", **KEY),
    "TransformsKey": _string("Artifacts key of transforms.zip (--extra-py-files)", **KEY),
    "PipelineCodeKey": _string("Artifacts key of the batcher/steps Lambda zip", **KEY),
    "ApiCodeKey": _string("Artifacts key of the API Lambda zip", **KEY),
    "ApiHandler": _string("API Lambda handler", Default="api.lambda_handler.handler"),
    "GlueVersion": _string(
        "AWS Glue version of the job (docs/glue_runtimes.md)",
        Default=DEFAULT_GLUE_VERSION,
        AllowedValues=list(GLUE_RUNTIMES),
    ),
    "WorkerType": _string("Glue worker type", Default="G.1X", AllowedValues=list(WORKER_TYPES)),
    "NumberOfWorkers": _number("Glue workers", 2, 299),
    "JobTimeoutMinutes": _number("Glue job timeout", 1, 2880),
    "JobMaxRetries": _number("Glue retries of a failed run", 0, 10),
    "BatchWindowSeconds": _number("Seconds the batcher waits to gather uploads", 1, 300),
    "BatchMaxFiles": _number("Most uploads per batch (one Glue run)", 1, 10000),
    "MaxFileBytes": _number("Larger uploads are quarantined", 1, 5368709120),
    "FirstOrderDate": _string(
        "First order date of the data: Athena's partition projection starts here",
        AllowedPattern="^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    ),
    "BytesScannedCutoff": _number("Athena per-query cutoff (bytes)", 10485760, 10**15),
    "AthenaResultsExpireDays": _number("Days Athena results are kept", 1, 3650),
    "ApiStage": _string("API Gateway stage", Default="v1", AllowedPattern="^[A-Za-z0-9_]+$"),
    "ApiRateLimit": _number("API requests per second (usage plan)", 1, 10000),
    "ApiBurstLimit": _number("API burst (usage plan)", 1, 5000),
    "ApiQuotaPerDay": _number("API requests per day (usage plan)", 1, 10**9),
    "AlertEmail": _string("Optional e-mail subscribed to the alerts", Default=""),
    "RejectedRowsAlarmPercent": _number(
        "Alarm when a run rejects more than this percentage of its rows", 0, 100
    ),
    "ApiAccessLogs": _string(
        "Write API access logs (needs the account's API Gateway CloudWatch role)",
        Default="false",
        AllowedValues=["true", "false"],
    ),
    "ApiReservedConcurrency": _number(
        "Concurrent executions reserved for the API function; 0 = none", 0, 1000
    ),
    "LogRetentionDays": {
        "Type": "Number",
        "Description": "CloudWatch Logs retention",
        "Default": 30,
        "AllowedValues": RETENTION_DAYS,
    },
}


CONDITIONS = {
    "HasAlertEmail": {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlertEmail"}, ""]}]},
    ACCESS_LOGS: {"Fn::Equals": [{"Ref": "ApiAccessLogs"}, "true"]},
    RESERVED_CONCURRENCY: {"Fn::Not": [{"Fn::Equals": [{"Ref": "ApiReservedConcurrency"}, "0"]}]},
}


def build_template(repo: Path = REPO_ROOT, ddl_path: Path | None = None) -> dict[str, Any]:
    resources = {**data_resources(repo, ddl_path), **app_resources(repo)}
    known = set(PARAMETERS) | set(resources)
    outputs = {
        "InputBucket": ({"Ref": "InputBucketName"}, "Upload order files under UploadPrefix"),
        "ProcessedBucket": ({"Ref": "ProcessedBucketName"}, "Tables, run reports"),
        "UploadPrefix": ({"Ref": "UploadPrefix"}, "Where uploads go"),
        "StateMachineArn": ({"Ref": "PipelineStateMachine"}, "One execution per batch"),
        "UploadQueueUrl": ({"Ref": "UploadQueue"}, "S3 events waiting to be batched"),
        "DeadLetterQueueUrl": ({"Ref": "UploadDeadLetterQueue"}, "Batches that never started"),
        "AlertTopicArn": ({"Ref": "AlertTopic"}, "Pipeline alerts"),
        "JobName": ({"Ref": "ProcessOrdersJob"}, "The Glue job"),
        "WorkGroup": ({"Ref": "AnalyticsWorkGroup"}, "Athena workgroup"),
        "ApiUrl": (
            "https://${OrdersApi}.execute-api.${AWS::Region}.amazonaws.com/${ApiStage}/",
            "The API and dashboard",
        ),
        "ApiKeyId": ({"Ref": "OrdersApiKey"}, "aws apigateway get-api-key --include-value"),
    }
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "DuffBeer order pipeline (generated by deploy/template.py; do not edit)",
        "Parameters": PARAMETERS,
        "Conditions": CONDITIONS,
        "Resources": sub(with_checkov_skips(resources), known),
        "Outputs": {
            name: {"Description": why, "Value": sub(value, known)}
            for name, (value, why) in outputs.items()
        },
    }


def build_bootstrap() -> dict[str, Any]:
    """The artifacts bucket, in its own stack: the code must be uploaded before the main
    stack that runs it is created (the same idea as `cdk bootstrap`)."""
    from deploy.template_data import bucket_resources

    resources = bucket_resources("artifacts", "ArtifactsBucket", {})
    known = {"ArtifactsBucketName", *resources}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "DuffBeer pipeline artifacts bucket (generated by deploy/template.py)",
        "Parameters": {"ArtifactsBucketName": PARAMETERS["ArtifactsBucketName"]},
        "Resources": sub(with_checkov_skips(resources), known),
        "Outputs": {
            "ArtifactsBucket": {
                "Description": "Code artifacts",
                "Value": {"Ref": "ArtifactsBucket"},
            }
        },
    }


def render(template: dict[str, Any]) -> str:
    return json.dumps(template, indent=1, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.template", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the committed one is stale")
    args = parser.parse_args(argv)
    stale = []
    for path, template in ((TEMPLATE_PATH, build_template()), (BOOTSTRAP_PATH, build_bootstrap())):
        text = render(template)
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print(f"stale: {', '.join(stale)}: run `make template`", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
