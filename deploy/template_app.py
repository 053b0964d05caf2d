"""Template resources that run things: IAM roles, the Lambdas, the state machine, the
REST API, and the alerting (CloudWatch alarms; the state machine's own SNS alert)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from deploy.apigw import render_openapi
from deploy.cfn import att, ref, resource
from deploy.flow import definition
from deploy.names import DATABASE_PARAMETER, QUARANTINE_PREFIX, Names
from deploy.policies import roles
from lambdas.steps import BATCHES_ALERTED, BATCHES_SUCCEEDED, ROWS_REJECTED_PERCENT

N = Names.template()
RUNTIME = "python3.13"
ARCHITECTURE = "x86_64"  # the API's vendored wheels are built for it (deploy/package.py)
BATCHER_TIMEOUT = 60
STEPS_TIMEOUT = 300
API_TIMEOUT = 27  # below API Gateway's 29 s integration limit, so the Lambda answers first
API_QUERY_TIMEOUT = 20  # the API's own Athena wait, below the Lambda's timeout
ROLE_LOGICAL = {
    "glue-job": "GlueJobRole",
    "steps": "StepsRole",
    "batcher": "BatcherRole",
    "api": "ApiRole",
    "state-machine": "StateMachineRole",
}


def iam() -> dict[str, Any]:
    out = {}
    for purpose, (trust, inline) in roles(N).items():
        out[ROLE_LOGICAL[purpose]] = resource(
            "AWS::IAM::Role",
            {
                "RoleName": N.role(purpose),
                "Description": f"DuffBeer {purpose}: least privilege (deploy/policies.py)",
                "AssumeRolePolicyDocument": trust,
                "MaxSessionDuration": 3600,
                "Policies": [{"PolicyName": "least-privilege", "PolicyDocument": inline}],
            },
        )
    return out


def _function(
    logical: str,
    name: str,
    role: str,
    code_key: str,
    handler: Any,
    timeout: int,
    memory: int,
    env: dict[str, Any],
) -> dict[str, Any]:
    group = f"{logical}Logs"
    return {
        group: resource(
            "AWS::Logs::LogGroup",
            {"LogGroupName": N.log_group(name), "RetentionInDays": ref("LogRetentionDays")},
        ),
        logical: resource(
            "AWS::Lambda::Function",
            {
                "FunctionName": name,
                "Runtime": RUNTIME,
                "Architectures": [ARCHITECTURE],
                "Handler": handler,
                "Role": att(role, "Arn"),
                "Code": {"S3Bucket": ref("ArtifactsBucketName"), "S3Key": ref(code_key)},
                "Timeout": timeout,
                "MemorySize": memory,
                "Environment": {"Variables": env},
                "LoggingConfig": {"LogFormat": "Text", "LogGroup": ref(group)},
            },
        ),
    }


def functions() -> dict[str, Any]:
    batcher = _function(
        "BatcherFunction", N.batch_function, "BatcherRole", "PipelineCodeKey",
        "lambdas.batcher.handler", BATCHER_TIMEOUT, 256,
        {"STATE_MACHINE_ARN": N.state_machine_arn, "UPLOAD_PREFIX": ref("UploadPrefix")},
    )  # fmt: skip
    steps = _function(
        "StepsFunction", N.steps_function, "StepsRole", "PipelineCodeKey",
        "lambdas.steps.handler", STEPS_TIMEOUT, 512,
        {
            "UPLOAD_PREFIX": ref("UploadPrefix"),
            "MAX_FILE_BYTES": ref("MaxFileBytes"),
            "QUARANTINE_PREFIX": QUARANTINE_PREFIX,
            "METRIC_NAMESPACE": N.metric_namespace,
            "PROCESSED_BUCKET": N.bucket("processed"),
        },
    )  # fmt: skip
    api = _function(
        "ApiFunction", N.api_function, "ApiRole", "ApiCodeKey", ref("ApiHandler"),
        API_TIMEOUT, 512,
        {  # read by api.settings.Settings.from_env
            "DUFFBEER_API_BACKEND": "athena",
            "DUFFBEER_ATHENA_WORKGROUP": N.workgroup,
            "DUFFBEER_ATHENA_DATABASE": ref(DATABASE_PARAMETER),
            "DUFFBEER_ATHENA_OUTPUT_LOCATION": "s3://${AthenaResultsBucketName}/results/",
            "DUFFBEER_RUNS_PATH": "s3://${ProcessedBucketName}/_runs/",
            "DUFFBEER_QUERY_TIMEOUT_SECONDS": str(API_QUERY_TIMEOUT),
        },
    )  # fmt: skip
    # Opt-in: a reservation must leave 100 of the account's concurrency unreserved, which
    # a new account's default quota does not allow (docs/aws.md "Reserved concurrency").
    api["ApiFunction"]["Properties"]["ReservedConcurrentExecutions"] = {
        "Fn::If": [RESERVED_CONCURRENCY, ref("ApiReservedConcurrency"), ref("AWS::NoValue")]
    }
    mapping = resource(
        "AWS::Lambda::EventSourceMapping",
        {
            "EventSourceArn": att("UploadQueue", "Arn"),
            "FunctionName": ref("BatcherFunction"),
            "BatchSize": ref("BatchMaxFiles"),
            "MaximumBatchingWindowInSeconds": ref("BatchWindowSeconds"),
            "Enabled": True,
        },
    )
    return {**batcher, **steps, **api, "UploadQueueMapping": mapping}


def state_machine() -> dict[str, Any]:
    return {
        "PipelineStateMachine": resource(
            "AWS::StepFunctions::StateMachine",
            {
                "StateMachineName": N.state_machine,
                "StateMachineType": "STANDARD",
                "RoleArn": att("StateMachineRole", "Arn"),
                "Definition": definition(),
                "DefinitionSubstitutions": {
                    "StepsFunctionArn": att("StepsFunction", "Arn"),
                    "JobName": N.job,
                    "TopicArn": ref("AlertTopic"),
                },
            },
        )
    }


def api(repo: Path) -> dict[str, Any]:
    source = json.loads((repo / "api" / "openapi.json").read_text(encoding="utf-8"))
    source.setdefault("info", {})["title"] = N.rest_api
    body = render_openapi(source, "${ApiFunction.Arn}", "${AWS::Region}")
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:10]
    # A new deployment whenever the body changes (CloudFormation never redeploys one).
    deployment = f"OrdersApiDeployment{digest}"
    return {
        "OrdersApi": resource(
            "AWS::ApiGateway::RestApi",
            {
                "Name": N.rest_api,
                "Body": body,
                "EndpointConfiguration": {"Types": ["REGIONAL"]},
                "ApiKeySourceType": "HEADER",
            },
        ),
        deployment: resource("AWS::ApiGateway::Deployment", {"RestApiId": ref("OrdersApi")}),
        "OrdersApiStage": resource(
            "AWS::ApiGateway::Stage",
            {
                "RestApiId": ref("OrdersApi"),
                "DeploymentId": ref(deployment),
                "StageName": ref("ApiStage"),
                # Every method, the keyless dashboard routes included: the usage plan's
                # throttle covers only requests that carry the key.
                "MethodSettings": [
                    {
                        "ResourcePath": "/*",
                        "HttpMethod": "*",
                        "ThrottlingRateLimit": ref("ApiRateLimit"),
                        "ThrottlingBurstLimit": ref("ApiBurstLimit"),
                    }
                ],
                # Needs the account's API Gateway CloudWatch role, set once per account and
                # region (docs/aws.md "API access logs"), hence opt-in.
                "AccessLogSetting": {
                    "Fn::If": [
                        ACCESS_LOGS,
                        {
                            "DestinationArn": att("OrdersApiAccessLogs", "Arn"),
                            "Format": json.dumps(ACCESS_LOG_FORMAT, separators=(",", ":")),
                        },
                        ref("AWS::NoValue"),
                    ]
                },
            },
        ),
        "OrdersApiAccessLogs": resource(
            "AWS::Logs::LogGroup",
            {
                "LogGroupName": f"/aws/apigateway/{N.rest_api}/access",
                "RetentionInDays": ref("LogRetentionDays"),
            },
            Condition=ACCESS_LOGS,
        ),
        "OrdersApiKey": resource("AWS::ApiGateway::ApiKey", {"Name": N.api_key, "Enabled": True}),
        "OrdersApiUsagePlan": resource(
            "AWS::ApiGateway::UsagePlan",
            {
                "UsagePlanName": f"{N.rest_api}-plan",
                "ApiStages": [{"ApiId": ref("OrdersApi"), "Stage": ref("OrdersApiStage")}],
                "Throttle": {"RateLimit": ref("ApiRateLimit"), "BurstLimit": ref("ApiBurstLimit")},
                "Quota": {"Limit": ref("ApiQuotaPerDay"), "Period": "DAY"},
            },
        ),
        "OrdersApiUsagePlanKey": resource(
            "AWS::ApiGateway::UsagePlanKey",
            {
                "KeyId": ref("OrdersApiKey"),
                "KeyType": "API_KEY",
                "UsagePlanId": ref("OrdersApiUsagePlan"),
            },
        ),
        "ApiInvokePermission": resource(
            "AWS::Lambda::Permission",
            {
                "FunctionName": ref("ApiFunction"),
                "Action": "lambda:InvokeFunction",
                "Principal": "apigateway.amazonaws.com",
                "SourceAccount": "${AWS::AccountId}",
                "SourceArn": (
                    "arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${OrdersApi}/*/*/*"
                ),
            },
        ),
    }


# Conditions (deploy/template.py CONDITIONS).
ACCESS_LOGS = "ApiAccessLogsOn"
RESERVED_CONCURRENCY = "ApiReservesConcurrency"
# One JSON object per request, with API Gateway's $context variables
# (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-variables-for-access-logging.html).
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "apiKeyId": "$context.identity.apiKeyId",
    "time": "$context.requestTime",
    "method": "$context.httpMethod",
    "path": "$context.path",
    "status": "$context.status",
    "length": "$context.responseLength",
    "latencyMs": "$context.responseLatency",
    "integrationError": "$context.integration.error",
}


def _alarm(
    name: str, namespace: str, metric: str, dims: dict[str, Any], why: str, stat: str = "Sum"
) -> dict[str, Any]:
    return resource(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": f"{N.stack}-{name}",
            "AlarmDescription": why,
            "Namespace": namespace,
            "MetricName": metric,
            "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
            "Statistic": stat,
            "Period": ALARM_PERIOD,
            "EvaluationPeriods": 1,
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [ref("AlertTopic")],
        },
    )


# One failure, one alert. The state machine's Alert state publishes every failure it catches
# (Glue run, validation, staging, recording) with the batch's files and the reason, then
# counts BatchesAlerted. Nothing else may publish for those too: hence no EventBridge rule on
# Glue's FAILED state (its event cannot tell a run of the state machine from any other), no
# plain alarm on ExecutionsFailed and none on the steps Lambda's Errors. What the Alert state
# never sees is alarmed: executions that failed without being counted as alerted
# (ExecutionsFailed - BatchesAlerted: an uncatchable error such as States.DataLimitExceeded,
# or an Alert that could not publish), timeouts and aborts (no Catch runs for those: Step
# Functions docs, "Error handling"), a dead-lettered upload event, and the API failing.
ERROR_ALARMED_FUNCTIONS = ("ApiFunction",)
UNCAUGHT_EXECUTION_ENDS = ("ExecutionsTimedOut", "ExecutionsAborted")
ALARM_PERIOD = 300


def unalerted_failures_alarm() -> dict[str, Any]:
    """Executions that failed without their alert. A batch's count and its execution's
    failure are a few hundred milliseconds apart, so both land in one 5-minute period
    unless that moment straddles a period boundary (then a failure is alerted twice)."""

    def stat(metric_id: str, namespace: str, name: str, dims: dict[str, Any]) -> dict[str, Any]:
        metric = {
            "Namespace": namespace,
            "MetricName": name,
            "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
        }
        return {
            "Id": metric_id,
            "MetricStat": {"Metric": metric, "Period": ALARM_PERIOD, "Stat": "Sum"},
            "ReturnData": False,
        }

    return resource(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": f"{N.stack}-pipeline-failed-unalerted",
            "AlarmDescription": (
                "A batch execution failed without its alert (see the execution's history)"
            ),
            "Metrics": [
                stat(
                    "failed", "AWS/States", "ExecutionsFailed",
                    {"StateMachineArn": ref("PipelineStateMachine")},
                ),
                stat("alerted", N.metric_namespace, BATCHES_ALERTED, {}),
                {
                    "Id": "unalerted",
                    "Expression": "FILL(failed, 0) - FILL(alerted, 0)",
                    "Label": "failed executions without an alert",
                    "ReturnData": True,
                },
            ],
            "EvaluationPeriods": 1,
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [ref("AlertTopic")],
        },
    )  # fmt: skip


def alerts() -> dict[str, Any]:
    out = {
        "DeadLetterAlarm": _alarm(
            "uploads-dlq-not-empty", "AWS/SQS", "ApproximateNumberOfMessagesVisible",
            {"QueueName": att("UploadDeadLetterQueue", "QueueName")},
            "Upload events that never became a batch: redrive them", "Maximum",
        ),
        "FilesRejectedAlarm": _alarm(
            "files-rejected", N.metric_namespace, "FilesRejected", {},
            "Uploaded files were quarantined (see quarantine/*.reason.json)",
        ),
    }  # fmt: skip
    for metric in UNCAUGHT_EXECUTION_ENDS:
        ending = metric.removeprefix("Executions").lower()
        out[f"StateMachine{metric}Alarm"] = _alarm(
            f"pipeline-{ending.replace('timedout', 'timed-out')}", "AWS/States", metric,
            {"StateMachineArn": ref("PipelineStateMachine")},
            f"A batch execution {ending.replace('timedout', 'timed out')} without an alert",
        )  # fmt: skip
    # No batch's Glue run succeeded for a day (none arrived, or every one failed or was
    # quarantined whole): the steps Lambda counts BatchesSucceeded when it records one.
    out["NoSucceededBatchAlarm"] = resource(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": f"{N.stack}-no-succeeded-batch-for-a-day",
            "AlarmDescription": "No batch was processed successfully in the last 24 hours",
            "Namespace": N.metric_namespace,
            "MetricName": BATCHES_SUCCEEDED,
            "Statistic": "Sum",
            "Period": 86400,
            "EvaluationPeriods": 1,
            "Threshold": 1,
            "ComparisonOperator": "LessThanThreshold",
            "TreatMissingData": "breaching",
            "AlarmActions": [ref("AlertTopic")],
        },
    )
    out["PipelineFailedUnalertedAlarm"] = unalerted_failures_alarm()
    # A succeeded run that rejected an unusual share of its rows (a broken export upstream).
    out["RejectedRowsShareAlarm"] = resource(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": f"{N.stack}-rejected-rows-share",
            "AlarmDescription": (
                "A run rejected more than RejectedRowsAlarmPercent of its rows "
                "(see its run report and rejected_orders)"
            ),
            "Namespace": N.metric_namespace,
            "MetricName": ROWS_REJECTED_PERCENT,
            "Statistic": "Maximum",
            "Period": ALARM_PERIOD,
            "EvaluationPeriods": 1,
            "Threshold": ref("RejectedRowsAlarmPercent"),
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [ref("AlertTopic")],
        },
    )
    # Athena failures are answered as handled 502/504, so the API Lambda's Errors never move.
    out["Api5xxAlarm"] = _alarm(
        "api-5xx", "AWS/ApiGateway", "5XXError",
        {"ApiName": N.rest_api, "Stage": ref("ApiStage")},
        "The API answered 5xx (Athena or the function failing)",
    )  # fmt: skip
    for fn in ERROR_ALARMED_FUNCTIONS:
        out[f"{fn}ErrorsAlarm"] = _alarm(
            f"{fn.removesuffix('Function').lower()}-errors", "AWS/Lambda", "Errors",
            {"FunctionName": ref(fn)}, f"Lambda {fn} raised errors",
        )  # fmt: skip
    return out


def app_resources(repo: Path) -> dict[str, Any]:
    return {**iam(), **functions(), **state_machine(), **api(repo), **alerts()}
