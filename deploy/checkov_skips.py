"""The checkov findings the stack does not follow, each with its reason. `make lint` runs
checkov on both templates; deploy/template.py writes these into each resource's
``Metadata.checkov.skip``, so a new finding fails the lint until it is fixed or listed here.

Keyed by resource type (every resource of that type), or by logical id (that one only).
The AWS rules the reasons rest on:
- SNS: CloudWatch alarms publish to an encrypted topic only under a customer managed key
  whose policy grants cloudwatch.amazonaws.com ("Enable compatibility between event sources
  from AWS services and encrypted topics",
  https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services);
- Lambda: "You can reserve up to the Unreserved account concurrency value that is shown,
  minus 100" (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html);
- API Gateway: access logging needs the account's CloudWatch role
  (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html), which
  AWS::ApiGateway::Account sets for the whole region ("you should only have one
  AWS::ApiGateway::Account resource per region per account",
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-account.html);
- CloudWatch Logs encrypts log data at rest by default
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html)."""

from __future__ import annotations

from typing import Any

# CloudWatch alarms cannot publish to a topic under the AWS managed SNS key, and a
# customer key needs its own key policy and costs per month: the S3, SQS, SNS and Logs
# data here is encrypted with each service's own default, not with KMS keys of the stack.
_NO_KMS = "encrypted at rest by the service's default; no customer KMS key in this stack"

BY_TYPE: dict[str, dict[str, str]] = {
    "AWS::S3::Bucket": {
        "CKV_AWS_18": (
            "no server access logs: they need a log bucket per account and region; S3 access "
            "is audited by the account's CloudTrail data events"
        ),
    },
    "AWS::SQS::Queue": {
        "CKV_AWS_27": "SqsManagedSseEnabled: SQS-managed encryption at rest (no KMS key)",
    },
    "AWS::SNS::Topic": {
        "CKV_AWS_26": (
            "CloudWatch alarms cannot publish to a topic under the AWS managed key; alerts "
            "carry batch ids, file names and errors, no order data"
        ),
    },
    "AWS::Glue::Job": {
        "CKV_AWS_195": (
            "the buckets enforce SSE-S3 and TLS; a security configuration would add KMS keys "
            "for S3, logs and bookmarks (the job uses no bookmarks)"
        ),
    },
    "AWS::Logs::LogGroup": {"CKV_AWS_158": _NO_KMS},
    "AWS::Lambda::Function": {
        "CKV_AWS_116": (
            "no asynchronous invocations: SQS (with its own dead-letter queue), Step Functions "
            "and API Gateway invoke synchronously, where a function DLQ never receives"
        ),
        "CKV_AWS_117": "reaches only AWS APIs over TLS; no VPC resources to reach",
        "CKV_AWS_115": (
            "a reservation must leave 100 unreserved, so it fails on small accounts: opt-in "
            "for the API (ApiReservedConcurrency); load is bounded by the SQS window, the "
            "Map's MaxConcurrency and the API stage's throttle"
        ),
        "CKV_AWS_173": "environment variables hold resource names only, no secrets",
    },
    "AWS::ApiGateway::Stage": {
        "CKV_AWS_73": "no X-Ray: the function's JSON logs time each request",
        "CKV_AWS_76": (
            "opt-in (ApiAccessLogs): access logs need the account-wide API Gateway CloudWatch "
            "role (AWS::ApiGateway::Account), which one stack must not set for the account"
        ),
        "CKV_AWS_120": "answers follow the latest run; a cache would serve stale data",
    },
}

BY_ID: dict[str, dict[str, str]] = {
    "AthenaResultsBucket": {
        "CKV_AWS_21": "query results are disposable and expire; versions would keep them",
    },
    "ArtifactsBucket": {
        "CKV_AWS_21": "content-hashed code built from git, re-uploaded by every deploy",
    },
}


def with_checkov_skips(resources: dict[str, Any]) -> dict[str, Any]:
    """Each resource with its skips (if any) in ``Metadata.checkov.skip``."""
    out = {}
    for logical, body in resources.items():
        skips = {**BY_TYPE.get(body["Type"], {}), **BY_ID.get(logical, {})}
        if skips:
            listed = [{"id": check, "comment": why} for check, why in sorted(skips.items())]
            body = {**body, "Metadata": {**body.get("Metadata", {}), "checkov": {"skip": listed}}}
        out[logical] = body
    return out
