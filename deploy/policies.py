"""Every IAM and resource policy of the stack, as data, in one place.

Least privilege: actions are listed one by one and scoped to this stack's buckets,
queue, job, workgroup and catalog. The only `"Resource": "*"` is
`cloudwatch:PutMetricData`, which AWS does not scope by resource; it is pinned
to one metric namespace with a condition instead (see WILDCARD_RESOURCE_ACTIONS).
"""

from __future__ import annotations

from typing import Any

from deploy.names import METRIC_NAMESPACE, Names

Policy = dict[str, Any]
VERSION = "2012-10-17"
# Actions AWS only authorises on "*"; every use must carry a Condition.
WILDCARD_RESOURCE_ACTIONS = frozenset({"cloudwatch:PutMetricData"})


def _doc(*statements: Policy) -> Policy:
    return {"Version": VERSION, "Statement": list(statements)}


def _allow(sid: str, actions: list[str], resources: list[str], **extra: Any) -> Policy:
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources, **extra}


def trust(service: str) -> Policy:
    """Only the given AWS service may assume the role."""
    return _doc(
        {
            "Effect": "Allow",
            "Principal": {"Service": f"{service}.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    )


def _put_metrics(namespace: str) -> Policy:
    return _allow(
        "PutMetrics",
        ["cloudwatch:PutMetricData"],
        ["*"],
        Condition={"StringEquals": {"cloudwatch:namespace": namespace}},
    )


def _logs(names: Names, group: str, create_group: bool) -> Policy:
    actions = ["logs:CreateLogStream", "logs:PutLogEvents"]
    if create_group:
        actions.insert(0, "logs:CreateLogGroup")
    return _allow("Logs", actions, [names.log_group_arn(group)])


def glue_job_policy(names: Names) -> Policy:
    """Read the input and the packaged code, write the processed bucket and Glue logs."""
    c = names.config
    b = names.bucket_arn
    return _doc(
        _allow(
            "ListBuckets",
            ["s3:ListBucket", "s3:GetBucketLocation"],
            [b(c.input_bucket), b(c.processed_bucket), b(c.artifacts_bucket)],
        ),
        _allow("ReadInput", ["s3:GetObject"], [b(c.input_bucket, "*")]),
        _allow("ReadCode", ["s3:GetObject"], [b(c.artifacts_bucket, "glue/*")]),
        _allow(
            "TempDir",
            ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            [b(c.artifacts_bucket, "glue-temp/*")],
        ),
        _allow(
            "WriteProcessed",
            ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
            [b(c.processed_bucket, "*")],
        ),
        _logs(names, "/aws-glue/*", create_group=True),
        _put_metrics("Glue"),
    )


def crawler_policy(names: Names) -> Policy:
    """Read the processed bucket; add tables/partitions for new folders in one database."""
    c = names.config
    catalog = [
        "glue:GetDatabase",
        "glue:GetTable",
        "glue:GetTables",
        "glue:CreateTable",
        "glue:UpdateTable",
        "glue:GetPartition",
        "glue:GetPartitions",
        "glue:BatchGetPartition",
        "glue:CreatePartition",
        "glue:BatchCreatePartition",
        "glue:UpdatePartition",
        "glue:BatchUpdatePartition",
    ]
    return _doc(
        _allow("List", ["s3:ListBucket"], [names.bucket_arn(c.processed_bucket)]),
        _allow("Read", ["s3:GetObject"], [names.bucket_arn(c.processed_bucket, "*")]),
        _allow("Catalog", catalog, names.glue_catalog_arns()),
        _logs(names, "/aws-glue/crawlers", create_group=True),
    )


def trigger_policy(names: Names) -> Policy:
    """Read uploads, move bad ones to quarantine/, write run markers, start the job."""
    c = names.config
    b = names.bucket_arn
    return _doc(
        # ListBucket makes a missing key a 404 (not a 403) on HEAD.
        _allow("List", ["s3:ListBucket"], [b(c.input_bucket)]),
        _allow("ReadUploads", ["s3:GetObject", "s3:DeleteObject"], [b(c.input_bucket, "*")]),
        _allow(
            "WriteOwnPrefixes",
            ["s3:PutObject"],
            [b(c.input_bucket, "quarantine/*"), b(c.input_bucket, "_triggers/*")],
        ),
        _allow("StartJob", ["glue:StartJobRun"], [names.job_arn]),
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
        _logs(names, names.log_group(names.trigger_function), create_group=False),
        _put_metrics(METRIC_NAMESPACE),
    )


def api_policy(names: Names) -> Policy:
    """Run Athena queries in the stack's workgroup over the processed tables only."""
    c = names.config
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
            [b(c.processed_bucket), b(c.athena_results_bucket)],
        ),
        _allow("ReadData", ["s3:GetObject"], [b(c.processed_bucket, "*")]),
        _allow(
            "QueryResults",
            [
                "s3:GetObject",
                "s3:PutObject",
                "s3:AbortMultipartUpload",
                "s3:ListMultipartUploadParts",
            ],
            [b(c.athena_results_bucket, "*")],
        ),
        _logs(names, names.log_group(names.api_function), create_group=False),
    )


# purpose -> (trusted service, inline policy builder)
ROLES = {
    "glue-job": ("glue", glue_job_policy),
    "crawler": ("glue", crawler_policy),
    "trigger": ("lambda", trigger_policy),
    "api": ("lambda", api_policy),
}


def tls_only_bucket_policy(names: Names, bucket: str) -> Policy:
    """Deny every request to the bucket that does not use TLS."""
    return _doc(
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [names.bucket_arn(bucket), names.bucket_arn(bucket, "*")],
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
                "ArnEquals": {"aws:SourceArn": names.bucket_arn(names.config.input_bucket)},
                "StringEquals": {"aws:SourceAccount": names.account},
            },
        }
    )


def topic_policy(names: Names) -> Policy:
    """The Glue-failure rule and this stack's alarms may publish alerts."""
    alarms = f"arn:aws:cloudwatch:{names.region}:{names.account}:alarm:{names.config.stack}-*"
    return _doc(
        {
            "Sid": "GlueFailureRule",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": names.topic_arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": names.rule_arn}},
        },
        {
            "Sid": "StackAlarms",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": names.topic_arn,
            "Condition": {"ArnLike": {"aws:SourceArn": alarms}},
        },
    )


def deployer_policy(names: Names) -> Policy:
    """What scripts/deploy_job.py itself needs: this stack's resources, nothing else."""
    c, r, a, stack = names.config, names.region, names.account, names.config.stack
    buckets = [names.bucket_arn(b) for b in c.buckets]
    role_arns = [names.role_arn(p) for p in ROLES]
    apigw = [
        f"arn:aws:apigateway:{r}::/{p}"
        for p in ("restapis", "restapis/*", "usageplans", "usageplans/*", "apikeys", "apikeys/*")
    ]
    glue = [
        names.job_arn,
        f"arn:aws:glue:{r}:{a}:crawler/{names.crawler}",
        *names.glue_catalog_arns(),
    ]
    functions = [names.function_arn(names.trigger_function), names.function_arn(names.api_function)]
    return _doc(
        _allow(
            "Buckets",
            [
                "s3:CreateBucket",
                "s3:DeleteBucket",
                "s3:ListBucket",
                "s3:ListBucketVersions",
                "s3:GetBucket*",
                "s3:PutBucket*",
                "s3:GetEncryptionConfiguration",
                "s3:PutEncryptionConfiguration",
                "s3:GetLifecycleConfiguration",
                "s3:PutLifecycleConfiguration",
            ],
            buckets,
        ),
        _allow(
            "Objects",
            ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"],
            [f"{b}/*" for b in buckets],
        ),
        _allow(
            "Queues",
            [
                "sqs:CreateQueue",
                "sqs:DeleteQueue",
                "sqs:GetQueueUrl",
                "sqs:GetQueueAttributes",
                "sqs:SetQueueAttributes",
            ],
            [names.queue_arn(names.queue), names.queue_arn(names.dlq)],
        ),
        _allow(
            "Topic",
            [
                "sns:CreateTopic",
                "sns:DeleteTopic",
                "sns:GetTopicAttributes",
                "sns:SetTopicAttributes",
                "sns:Subscribe",
                "sns:ListSubscriptionsByTopic",
            ],
            [names.topic_arn],
        ),
        _allow(
            "Roles",
            [
                "iam:GetRole",
                "iam:CreateRole",
                "iam:DeleteRole",
                "iam:UpdateAssumeRolePolicy",
                "iam:GetRolePolicy",
                "iam:PutRolePolicy",
                "iam:DeleteRolePolicy",
                "iam:ListRolePolicies",
                "iam:ListAttachedRolePolicies",
                "iam:DetachRolePolicy",
            ],
            role_arns,
        ),
        _allow(
            "PassRoles",
            ["iam:PassRole"],
            role_arns,
            Condition={
                "StringEquals": {
                    "iam:PassedToService": ["glue.amazonaws.com", "lambda.amazonaws.com"]
                }
            },
        ),
        _allow(
            "Glue",
            [
                "glue:GetJob",
                "glue:CreateJob",
                "glue:UpdateJob",
                "glue:DeleteJob",
                "glue:GetCrawler",
                "glue:CreateCrawler",
                "glue:UpdateCrawler",
                "glue:DeleteCrawler",
                "glue:GetDatabase",
                "glue:CreateDatabase",
                "glue:UpdateDatabase",
                "glue:DeleteDatabase",
                "glue:GetTable",
                "glue:CreateTable",
                "glue:UpdateTable",
                "glue:DeleteTable",
            ],
            glue,
        ),
        _allow(
            "Athena",
            [
                "athena:GetWorkGroup",
                "athena:CreateWorkGroup",
                "athena:UpdateWorkGroup",
                "athena:DeleteWorkGroup",
                "athena:StartQueryExecution",
                "athena:GetQueryExecution",
            ],
            [names.workgroup_arn],
        ),
        _allow(
            "Functions",
            [
                "lambda:GetFunction",
                "lambda:GetFunctionConfiguration",
                "lambda:CreateFunction",
                "lambda:DeleteFunction",
                "lambda:UpdateFunctionCode",
                "lambda:UpdateFunctionConfiguration",
                "lambda:AddPermission",
                "lambda:RemovePermission",
                "lambda:GetPolicy",
            ],
            functions,
        ),
        _allow(
            "EventSource",
            [
                "lambda:ListEventSourceMappings",
                "lambda:GetEventSourceMapping",
                "lambda:CreateEventSourceMapping",
                "lambda:UpdateEventSourceMapping",
                "lambda:DeleteEventSourceMapping",
            ],
            [f"arn:aws:lambda:{r}:{a}:event-source-mapping:*"],
            Condition={"StringLike": {"lambda:FunctionArn": functions[0]}},
        ),
        _allow(
            "LogGroups",
            [
                "logs:CreateLogGroup",
                "logs:DeleteLogGroup",
                "logs:PutRetentionPolicy",
                "logs:DescribeLogGroups",
            ],
            [f"arn:aws:logs:{r}:{a}:log-group:*"],
        ),
        _allow(
            "ApiGateway",
            [
                "apigateway:GET",
                "apigateway:POST",
                "apigateway:PUT",
                "apigateway:PATCH",
                "apigateway:DELETE",
            ],
            apigw,
        ),
        _allow(
            "Events",
            [
                "events:PutRule",
                "events:DescribeRule",
                "events:DeleteRule",
                "events:PutTargets",
                "events:RemoveTargets",
                "events:ListTargetsByRule",
                "events:ListRules",
            ],
            [f"arn:aws:events:{r}:{a}:rule/*"],
        ),
        _allow(
            "Alarms",
            ["cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms", "cloudwatch:DeleteAlarms"],
            [f"arn:aws:cloudwatch:{r}:{a}:alarm:{stack}-*"],
        ),
    )


def all_policies(names: Names) -> dict[str, Policy]:
    """Every document the deployer writes, for review and for the policy tests."""
    docs: dict[str, Policy] = {}
    for purpose, (service, build) in ROLES.items():
        docs[f"role:{purpose}:trust"] = trust(service)
        docs[f"role:{purpose}:inline"] = build(names)
    for bucket in names.config.buckets:
        docs[f"bucket:{bucket}"] = tls_only_bucket_policy(names, bucket)
    docs["queue"] = queue_policy(names)
    docs["topic"] = topic_policy(names)
    docs["deployer"] = deployer_policy(names)
    return docs
