"""Every IAM and resource policy of the stack, as data, in one place.

Least privilege: actions are listed one by one and scoped to this stack's buckets,
queue, job, state machine, workgroup and catalog. Actions that AWS authorises only on
``"Resource": "*"`` (WILDCARD_RESOURCE_ACTIONS) get ``*``, and every such use is either
read-only or pinned with a condition. parliament checks every document (tests).
"""

from __future__ import annotations

from typing import Any

from contract.runs import RUNS_DIR
from deploy.names import BATCH_RECORDS_PREFIX, BATCHES_PREFIX, Names

Policy = dict[str, Any]
VERSION = "2012-10-17"
# Actions AWS authorises only on "*" (the Service Authorization Reference lists no
# resource type for them); parliament reports RESOURCE_MISMATCH if they are scoped.
WILDCARD_RESOURCE_ACTIONS = frozenset(
    {
        "cloudwatch:PutMetricData",
        "cloudformation:ListStacks",
        "cloudformation:ValidateTemplate",
        "lambda:CreateEventSourceMapping",
        "lambda:GetEventSourceMapping",
        "lambda:ListEventSourceMappings",
        "lambda:UpdateEventSourceMapping",
        "lambda:DeleteEventSourceMapping",
        "logs:DescribeLogGroups",
        "events:ListRules",
        "glue:CreateCrawler",
        "cloudwatch:DescribeAlarms",
        "sns:ListTopics",
        "states:ListStateMachines",
        "sts:GetCallerIdentity",
        "apigateway:GET",
    }
)


def _doc(*statements: Policy) -> Policy:
    return {"Version": VERSION, "Statement": list(statements)}


def _allow(sid: str, actions: list[str], resources: list[str], **extra: Any) -> Policy:
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources, **extra}


def trust(service: str, names: Names, source_arn: str | None = None) -> Policy:
    """Only the given AWS service may assume the role. With ``source_arn``, only acting for
    that resource of this account: the confused-deputy conditions, set only where the
    service documents that it sends those keys when it assumes a role (Step Functions).
    Glue and Lambda document plain service trust for their roles; a condition on a key the
    service does not send would stop the job or the function from starting (docs/aws.md)."""
    statement: Policy = {
        "Effect": "Allow",
        "Principal": {"Service": f"{service}.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
    if source_arn:
        statement["Condition"] = {
            "StringEquals": {"aws:SourceAccount": names.account},
            "ArnLike": {"aws:SourceArn": source_arn},
        }
    return _doc(statement)


def _put_metrics(namespace: str) -> Policy:
    return _allow(
        "PutMetrics",
        ["cloudwatch:PutMetricData"],
        ["*"],
        Condition={"StringEquals": {"cloudwatch:namespace": namespace}},
    )


def _logs(names: Names, group: str) -> Policy:
    return _allow(
        "Logs",
        ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        [names.log_group_arn(group)],
    )


def glue_job_policy(names: Names) -> Policy:
    """Read the staged batches and the packaged code, write the processed bucket and logs."""
    b = names.bucket_arn
    return _doc(
        _allow(
            "ListBuckets",
            ["s3:ListBucket", "s3:GetBucketLocation"],
            [b("input"), b("processed"), b("artifacts")],
        ),
        _allow("ReadBatches", ["s3:GetObject"], [b("input", f"{BATCHES_PREFIX}*")]),
        _allow("ReadCode", ["s3:GetObject"], [b("artifacts", "glue/*")]),
        _allow(
            "TempDir",
            ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            [b("artifacts", "glue-temp/*")],
        ),
        _allow(
            "WriteProcessed",
            ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
            [b("processed", "*")],
        ),
        _logs(names, "/aws-glue/*"),
        _put_metrics("Glue"),
    )


def steps_policy(names: Names) -> Policy:
    """The state machine's Lambda steps: validate uploads, quarantine bad ones, stage
    batches (copy under batches/, then delete the upload), keep batch records."""
    b, up = names.bucket_arn, names.upload_prefix
    return _doc(
        # ListBucket makes a missing key a 404 (not a 403) on HEAD.
        _allow("List", ["s3:ListBucket"], [b("input")]),
        _allow("ReadUploads", ["s3:GetObject", "s3:DeleteObject"], [b("input", f"{up}*")]),
        _allow(
            "WriteOwnPrefixes",
            ["s3:PutObject", "s3:GetObject"],
            [
                b("input", "quarantine/*"),
                b("input", f"{BATCHES_PREFIX}*"),
                b("input", f"{BATCH_RECORDS_PREFIX}*"),
            ],
        ),
        # The run report of a succeeded batch, for its RowsRejectedPercent metric.
        _allow("ReadRunReports", ["s3:GetObject"], [b("processed", f"{RUNS_DIR}/*")]),
        _logs(names, names.log_group(names.steps_function)),
        _put_metrics(names.metric_namespace),
    )


def batcher_policy(names: Names) -> Policy:
    """Consume the upload queue; start one state-machine execution per batch."""
    return _doc(
        _allow(
            "ConsumeQueue",
            [
                "sqs:ReceiveMessage",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                "sqs:ChangeMessageVisibility",
            ],
            [names.queue_arn(names.queue)],
        ),
        _allow("StartBatch", ["states:StartExecution"], [names.state_machine_arn]),
        _logs(names, names.log_group(names.batch_function)),
    )


def api_policy(names: Names) -> Policy:
    """Run Athena queries in the stack's workgroup over the processed tables only."""
    b = names.bucket_arn
    return _doc(
        _allow(
            "Athena",
            [
                "athena:StartQueryExecution",
                "athena:GetQueryExecution",
                "athena:GetQueryResults",
                "athena:StopQueryExecution",
                "athena:GetWorkGroup",
            ],
            [names.workgroup_arn],
        ),
        _allow(
            "Catalog",
            [
                "glue:GetDatabase",
                "glue:GetTable",
                "glue:GetTables",
                "glue:GetPartition",
                "glue:GetPartitions",
            ],
            names.glue_catalog_arns(),
        ),
        _allow(
            "ListData",
            ["s3:ListBucket", "s3:GetBucketLocation"],
            [b("processed"), b("athena-results")],
        ),
        _allow("ReadData", ["s3:GetObject"], [b("processed", "*")]),
        _allow(
            "QueryResults",
            [
                "s3:GetObject",
                "s3:PutObject",
                "s3:AbortMultipartUpload",
                "s3:ListMultipartUploadParts",
            ],
            [b("athena-results", "*")],
        ),
        _logs(names, names.log_group(names.api_function)),
    )


def state_machine_policy(names: Names) -> Policy:
    """Invoke the steps Lambda, run the Glue job synchronously, publish alerts."""
    return _doc(
        _allow(
            "Steps",
            ["lambda:InvokeFunction"],
            [
                names.function_arn(names.steps_function),
                names.function_arn(names.steps_function) + ":*",
            ],
        ),
        # startJobRun.sync polls the run and stops it if the execution is stopped.
        _allow(
            "GlueJob",
            ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"],
            [names.job_arn],
        ),
        _allow("Alerts", ["sns:Publish"], [names.topic_arn]),
    )


ROLE_SERVICES = {
    "glue-job": "glue",
    "steps": "lambda",
    "batcher": "lambda",
    "api": "lambda",
    "state-machine": "states",
}


def roles(names: Names) -> dict[str, tuple[Policy, Policy]]:
    """purpose -> (trust policy, inline policy)."""
    return {
        "glue-job": (trust("glue", names), glue_job_policy(names)),
        "steps": (trust("lambda", names), steps_policy(names)),
        "batcher": (trust("lambda", names), batcher_policy(names)),
        "api": (trust("lambda", names), api_policy(names)),
        "state-machine": (
            trust("states", names, names.state_machine_arn),
            state_machine_policy(names),
        ),
    }


def tls_only_bucket_policy(names: Names, purpose: str) -> Policy:
    """Deny every request to the bucket that does not use TLS."""
    return _doc(
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [names.bucket_arn(purpose), names.bucket_arn(purpose, "*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    )


def queue_policy(names: Names) -> Policy:
    """Only the input bucket of this account may send upload events to the queue."""
    return _doc(
        {
            "Sid": "InputBucketEvents",
            "Effect": "Allow",
            "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": names.queue_arn(names.queue),
            "Condition": {
                "ArnEquals": {"aws:SourceArn": names.bucket_arn("input")},
                "StringEquals": {"aws:SourceAccount": names.account},
            },
        }
    )


def topic_policy(names: Names) -> Policy:
    """This stack's alarms may publish alerts (the state machine publishes with its role)."""
    return _doc(
        {
            "Sid": "StackAlarms",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": names.topic_arn,
            "Condition": {
                "ArnLike": {"aws:SourceArn": names.alarm_arn()},
                "StringEquals": {"aws:SourceAccount": names.account},
            },
        },
    )
