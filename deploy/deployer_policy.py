"""The IAM policy a person (or CI role) needs to run `make deploy` / `make teardown` /
`make status` for one stack: CloudFormation on the stack and its bootstrap stack, and
what CloudFormation then does with the caller's credentials, scoped to this stack's
names. Print it with `scripts/deploy_job.py --print-deployer-policy <account-id>`."""

from __future__ import annotations

from deploy.names import Names
from deploy.policies import ROLE_SERVICES, Policy, _allow, _doc


def deployer_policy(names: Names) -> Policy:
    r, a, stack = names.region, names.account, names.stack
    buckets = [names.bucket_arn(p) for p in names.buckets]
    roles = [names.role_arn(p) for p in ROLE_SERVICES]
    functions = [
        names.function_arn(f)
        for f in (names.batch_function, names.steps_function, names.api_function)
    ]
    stacks = [
        f"arn:aws:cloudformation:{r}:{a}:stack/{stack}/*",
        f"arn:aws:cloudformation:{r}:{a}:stack/{stack}-bootstrap/*",
    ]
    return _doc(
        _allow(
            "Stacks",
            [
                "cloudformation:CreateChangeSet",
                "cloudformation:DescribeChangeSet",
                "cloudformation:ExecuteChangeSet",
                "cloudformation:DeleteChangeSet",
                "cloudformation:DescribeStacks",
                "cloudformation:DescribeStackEvents",
                "cloudformation:DescribeStackResources",
                "cloudformation:GetTemplate",
                "cloudformation:DeleteStack",
            ],
            stacks,
        ),
        _allow(
            "Buckets",
            [
                "s3:CreateBucket",
                "s3:DeleteBucket",
                "s3:ListBucket",
                "s3:ListBucketVersions",
                "s3:GetBucketLocation",
                "s3:GetBucketPolicy",
                "s3:PutBucketPolicy",
                "s3:DeleteBucketPolicy",
                "s3:GetBucketVersioning",
                "s3:PutBucketVersioning",
                "s3:GetBucketNotification",
                "s3:PutBucketNotification",
                "s3:GetBucketPublicAccessBlock",
                "s3:PutBucketPublicAccessBlock",
                "s3:GetBucketOwnershipControls",
                "s3:PutBucketOwnershipControls",
                "s3:GetEncryptionConfiguration",
                "s3:PutEncryptionConfiguration",
                "s3:GetLifecycleConfiguration",
                "s3:PutLifecycleConfiguration",
                "s3:GetBucketTagging",
                "s3:PutBucketTagging",
            ],
            buckets,
        ),
        # Artifacts and view state; --force empties the data buckets; status reads records.
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
                "sqs:TagQueue",
                "sqs:ListQueueTags",
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
                "sns:TagResource",
            ],
            [names.topic_arn],
        ),
        _allow(
            "Roles",
            [
                "iam:GetRole",
                "iam:CreateRole",
                "iam:DeleteRole",
                "iam:UpdateRole",
                "iam:UpdateAssumeRolePolicy",
                "iam:GetRolePolicy",
                "iam:PutRolePolicy",
                "iam:DeleteRolePolicy",
                "iam:ListRolePolicies",
                "iam:ListAttachedRolePolicies",
                "iam:TagRole",
            ],
            roles,
        ),
        _allow(
            "PassRoles",
            ["iam:PassRole"],
            roles,
            Condition={
                "StringEquals": {
                    "iam:PassedToService": [
                        f"{s}.amazonaws.com" for s in sorted(set(ROLE_SERVICES.values()))
                    ]
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
                "glue:GetDatabase",
                "glue:CreateDatabase",
                "glue:UpdateDatabase",
                "glue:DeleteDatabase",
                "glue:GetTable",
                "glue:GetTables",
                "glue:CreateTable",
                "glue:UpdateTable",
                "glue:DeleteTable",
            ],
            [
                names.job_arn,
                *names.glue_catalog_arns(),
                f"arn:aws:glue:{r}:{a}:userDefinedFunction/{names.database}/*",
            ],
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
                "lambda:TagResource",
                # ReservedConcurrentExecutions (api_reserved_concurrency)
                "lambda:PutFunctionConcurrency",
                "lambda:DeleteFunctionConcurrency",
            ],
            functions,
        ),
        _allow(
            "EventSourceMappings",
            [
                "lambda:GetEventSourceMapping",
                "lambda:UpdateEventSourceMapping",
                "lambda:DeleteEventSourceMapping",
            ],
            [f"arn:aws:lambda:{r}:{a}:event-source-mapping:*"],
        ),
        _allow(
            "LogGroups",
            [
                "logs:CreateLogGroup",
                "logs:DeleteLogGroup",
                "logs:PutRetentionPolicy",
                "logs:DeleteRetentionPolicy",
                "logs:TagResource",
            ],
            # The functions', the Glue job's (names.glue_log_prefix) and the API's access logs.
            [
                f"arn:aws:logs:{r}:{a}:log-group:{group}"
                for group in (
                    f"/aws/lambda/{stack}-*",
                    f"/aws-glue/jobs/{stack}-*",
                    f"/aws/apigateway/{stack}-*",
                )
            ],
        ),
        _allow(
            "StateMachine",
            [
                "states:CreateStateMachine",
                "states:UpdateStateMachine",
                "states:DeleteStateMachine",
                "states:DescribeStateMachine",
                "states:TagResource",
                "states:ListExecutions",
            ],
            [names.state_machine_arn, f"arn:aws:states:{r}:{a}:mapRun:{names.state_machine}/*:*"],
        ),
        _allow(
            "Executions",
            ["states:DescribeExecution"],
            [names.executions_arn, f"arn:aws:states:{r}:{a}:express:{names.state_machine}:*:*"],
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
            [
                f"arn:aws:apigateway:{r}::/{p}"
                for p in (
                    "restapis",
                    "restapis/*",
                    "usageplans",
                    "usageplans/*",
                    "apikeys",
                    "apikeys/*",
                    "tags/*",
                )
            ],
        ),
        _allow(
            "Alarms",
            [
                "cloudwatch:PutMetricAlarm",
                "cloudwatch:DeleteAlarms",
                "cloudwatch:DescribeAlarms",
                "cloudwatch:TagResource",
            ],
            [names.alarm_arn()],
        ),
        # Actions AWS authorises only on "*" (read-only, or creating/removing a mapping or
        # subscription, which the scoped statements above still guard).
        _allow(
            "WildcardOnly",
            [
                "lambda:CreateEventSourceMapping",
                "lambda:ListEventSourceMappings",
                "logs:DescribeLogGroups",
                "sns:Unsubscribe",
            ],
            ["*"],
        ),
    )
