"""Template resources for storage and data: buckets, the upload queues, the alert topic,
the Glue database, tables (from athena/ddl.sql), job, and the Athena workgroup."""

from __future__ import annotations

import re
from typing import Any

from athena.ddl import glue_table_input
from deploy.cfn import att, ref, resource
from deploy.config import MAX_CONCURRENT_RUNS
from deploy.names import (
    BATCH_RECORDS_PREFIX,
    BATCHES_PREFIX,
    BUCKET_PARAMETERS,
    DATA_BUCKETS,
    DATABASE_PARAMETER,
    VERSIONED,
    Names,
)
from deploy.policies import queue_policy, tls_only_bucket_policy, topic_policy
from transforms.tables import PUBLIC_TABLES

N = Names.template()
QUEUE_VISIBILITY_SECONDS = 900  # >= 6 x the batcher's timeout + the batching window
QUEUE_MAX_RECEIVES = 5
RETENTION_SECONDS = 14 * 24 * 3600
RECORD_DAYS = 90
NONCURRENT_DAYS = 30
_RANGE = re.compile(r"^projection\.(\w+)\.range$")


def _rule(rule_id: str, prefix: str, **action: Any) -> dict[str, Any]:
    return {"Id": rule_id, "Status": "Enabled", "Prefix": prefix, **action}


def lifecycle(purpose: str) -> list[dict[str, Any]]:
    rules = [
        _rule(
            "abort-incomplete-uploads",
            "",
            AbortIncompleteMultipartUpload={"DaysAfterInitiation": 7},
        )
    ]
    if purpose == "athena-results":
        rules.append(
            _rule("expire-query-results", "", ExpirationInDays={"Ref": "AthenaResultsExpireDays"})
        )
    if purpose in VERSIONED:
        # Versioning keeps what the job or an upload replaced or deleted; keep it 30 days.
        rules += [
            _rule(
                "expire-replaced-versions",
                "",
                NoncurrentVersionExpiration={"NoncurrentDays": NONCURRENT_DAYS},
                ExpiredObjectDeleteMarker=True,
            )
        ]
    if purpose == "input":
        rules += [
            _rule("expire-batch-records", BATCH_RECORDS_PREFIX, ExpirationInDays=RECORD_DAYS),
            _rule("expire-staged-batches", BATCHES_PREFIX, ExpirationInDays=RECORD_DAYS),
        ]
    return rules


def bucket_resources(purpose: str, logical: str, extra: dict[str, Any]) -> dict[str, Any]:
    """A private, SSE-S3, TLS-only bucket with lifecycle rules, and its bucket policy. A data
    bucket is retained by every stack operation: deleting the stack, or replacing the
    bucket (a renamed bucket parameter), leaves it and its objects where they are."""
    versioning = {"VersioningConfiguration": {"Status": "Enabled"}} if purpose in VERSIONED else {}
    retain = (
        {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}
        if purpose in DATA_BUCKETS
        else {}
    )
    props = {
        "BucketName": {"Ref": BUCKET_PARAMETERS[purpose]},
        "PublicAccessBlockConfiguration": dict.fromkeys(
            ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"),
            True,
        ),
        "BucketEncryption": {
            "ServerSideEncryptionConfiguration": [
                {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
            ]
        },
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
        "LifecycleConfiguration": {"Rules": lifecycle(purpose)},
        **versioning,
        **extra.get("Properties", {}),
    }
    policy = resource(
        "AWS::S3::BucketPolicy",
        {"Bucket": ref(logical), "PolicyDocument": tls_only_bucket_policy(N, purpose)},
    )
    bucket = resource(
        "AWS::S3::Bucket",
        props,
        **retain,
        **{k: v for k, v in extra.items() if k != "Properties"},
    )
    return {logical: bucket, f"{logical}Policy": policy}


def storage() -> dict[str, Any]:
    """Input and processed (versioned; only the upload prefix notifies the queue), results."""
    notify = {
        "QueueConfigurations": [
            {
                "Event": "s3:ObjectCreated:*",
                "Queue": att("UploadQueue", "Arn"),
                "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": "${UploadPrefix}"}]}},
            }
        ]
    }
    input_extra = {
        "Properties": {"NotificationConfiguration": notify},
        # S3 checks at creation that the queue policy lets this bucket send.
        "DependsOn": ["UploadQueuePolicy"],
    }
    out = {
        **bucket_resources("input", "InputBucket", input_extra),
        **bucket_resources("processed", "ProcessedBucket", {}),
        **bucket_resources("athena-results", "AthenaResultsBucket", {}),
    }
    base = {"MessageRetentionPeriod": RETENTION_SECONDS, "SqsManagedSseEnabled": True}
    out["UploadDeadLetterQueue"] = resource("AWS::SQS::Queue", {"QueueName": N.dlq, **base})
    out["UploadQueue"] = resource(
        "AWS::SQS::Queue",
        {
            "QueueName": N.queue,
            **base,
            "VisibilityTimeout": QUEUE_VISIBILITY_SECONDS,
            "RedrivePolicy": {
                "deadLetterTargetArn": att("UploadDeadLetterQueue", "Arn"),
                "maxReceiveCount": QUEUE_MAX_RECEIVES,
            },
        },
    )
    out["UploadQueuePolicy"] = resource(
        "AWS::SQS::QueuePolicy", {"Queues": [ref("UploadQueue")], "PolicyDocument": queue_policy(N)}
    )
    out["AlertTopic"] = resource("AWS::SNS::Topic", {"TopicName": N.topic})
    out["AlertTopicPolicy"] = resource(
        "AWS::SNS::TopicPolicy", {"Topics": [ref("AlertTopic")], "PolicyDocument": topic_policy(N)}
    )
    out["AlertEmailSubscription"] = resource(
        "AWS::SNS::Subscription",
        {"TopicArn": ref("AlertTopic"), "Protocol": "email", "Endpoint": ref("AlertEmail")},
        Condition="HasAlertEmail",
    )
    return out


def _bounded(table: dict[str, Any]) -> dict[str, Any]:
    """Projection date ranges start at the deployment's FirstOrderDate, not the contract's
    earliest valid date: Athena plans (days x enum values) partitions per query."""
    params = dict(table["Parameters"])
    for key, value in params.items():
        if _RANGE.match(key) and "," in value:
            params[key] = "${FirstOrderDate}," + value.split(",", 1)[1]
    return {**table, "Parameters": params}


def catalog() -> dict[str, Any]:
    """The Glue database and one AWS::Glue::Table per public table of transforms/tables.py,
    as athena/ddl.py defines them (views are Athena SQL: the deployer runs them after the
    stack is up). The stack's database is the DatabaseName parameter."""
    out: dict[str, Any] = {
        "CatalogDatabase": resource(
            "AWS::Glue::Database",
            {
                "CatalogId": "${AWS::AccountId}",
                "DatabaseInput": {
                    "Name": ref(DATABASE_PARAMETER),
                    "Description": "DuffBeer processed orders",
                },
            },
        )
    }
    for name in PUBLIC_TABLES:
        logical = "Table" + "".join(part.title() for part in name.split("_"))
        out[logical] = resource(
            "AWS::Glue::Table",
            {
                "CatalogId": "${AWS::AccountId}",
                "DatabaseName": ref("CatalogDatabase"),
                "TableInput": _bounded(glue_table_input(name, N.processed_root)),
            },
        )
    return out


def glue_job() -> dict[str, Any]:
    artifacts = "s3://${ArtifactsBucketName}/"
    return {
        "ProcessOrdersJob": resource(
            "AWS::Glue::Job",
            {
                "Name": N.job,
                "Description": "DuffBeer orders: validate, upsert and partition a batch of uploads",
                "Role": att("GlueJobRole", "Arn"),
                "Command": {
                    "Name": "glueetl",
                    "ScriptLocation": artifacts + "${JobScriptKey}",
                    "PythonVersion": "3",
                },
                "DefaultArguments": {
                    "--extra-py-files": artifacts + "${JobCodeKey}",
                    "--output_path": "s3://${ProcessedBucketName}/",
                    # The one first order date: the job rejects earlier orders, and every
                    # projection range of the tables starts at it (_bounded).
                    "--first_order_date": "${FirstOrderDate}",
                    "--TempDir": artifacts + "glue-temp/",
                    "--enable-metrics": "true",
                    # Glue 5.0+ logs every job in real time, to "<prefix>/error" (driver,
                    # executors, Spark) and "<prefix>/output" (stdout/stderr): AWS Glue
                    # docs, "Logging for AWS Glue jobs",
                    # https://docs.aws.amazon.com/glue/latest/dg/monitor-continuous-logging.html
                    "--custom-logGroup-prefix": N.glue_log_prefix,
                    "--job-language": "python",
                },
                "ExecutionProperty": {"MaxConcurrentRuns": MAX_CONCURRENT_RUNS},
                "MaxRetries": ref("JobMaxRetries"),
                "Timeout": ref("JobTimeoutMinutes"),
                "GlueVersion": ref("GlueVersion"),
                "WorkerType": ref("WorkerType"),
                "NumberOfWorkers": ref("NumberOfWorkers"),
            },
            DependsOn=[f"GlueJob{kind.capitalize()}Logs" for kind in GLUE_LOG_STREAMS],
        )
    }


# The job's log groups, created with a retention before Glue would create them without one.
GLUE_LOG_STREAMS = ("error", "output")


def glue_logs() -> dict[str, Any]:
    return {
        f"GlueJob{kind.capitalize()}Logs": resource(
            "AWS::Logs::LogGroup",
            {
                "LogGroupName": f"{N.glue_log_prefix}/{kind}",
                "RetentionInDays": ref("LogRetentionDays"),
            },
        )
        for kind in GLUE_LOG_STREAMS
    }


def workgroup() -> dict[str, Any]:
    return {
        "AnalyticsWorkGroup": resource(
            "AWS::Athena::WorkGroup",
            {
                "Name": N.workgroup,
                "Description": "DuffBeer: API and analyst queries, capped per query",
                "RecursiveDeleteOption": True,
                "WorkGroupConfiguration": {
                    "ResultConfiguration": {
                        "OutputLocation": "s3://${AthenaResultsBucketName}/results/",
                        "EncryptionConfiguration": {"EncryptionOption": "SSE_S3"},
                    },
                    "EnforceWorkGroupConfiguration": True,
                    "PublishCloudWatchMetricsEnabled": True,
                    "BytesScannedCutoffPerQuery": ref("BytesScannedCutoff"),
                    "RequesterPaysEnabled": False,
                    "EngineVersion": {"SelectedEngineVersion": "Athena engine version 3"},
                },
            },
            DependsOn=["AthenaResultsBucket"],
        )
    }


def data_resources() -> dict[str, Any]:
    return {**storage(), **catalog(), **glue_logs(), **glue_job(), **workgroup()}
