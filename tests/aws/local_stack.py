"""The deployed stack on moto as the flow tests drive it (tests/aws/test_aws_flow.py,
tests/aws/test_aws_smoke.py): uploads, Lambda's SQS event source played by ``window``, and
the deployed definition run locally (tests/aws/sfn_local.py). The fixture ``stack`` is in
tests/aws/conftest.py."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambdas import batcher, steps
from lambdas.validation import Clients, Settings
from tests.aws.sfn_local import LocalFlow

ACCOUNT = "123456789012"
INPUT = f"duffbeer-input-{ACCOUNT}-eu-west-1"
MACHINE = f"arn:aws:states:eu-west-1:{ACCOUNT}:stateMachine:duffbeer-pipeline"
JOB = "duffbeer-process-orders"
HEADER = "order_id,client_id,product_id,channel,quantity,unit_price,status,order_date\n"
ROW = "O-1,C-1,P-1,online,2,3.50,confirmed,2026-11-01\n"
TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "template.json"


@dataclass
class Stack:
    client: Any
    endpoint: str

    def __post_init__(self) -> None:
        self.s3, self.sqs, self.sfn = (
            self.client("s3"),
            self.client("sqs"),
            self.client("stepfunctions"),
        )
        self.glue = self.client("glue")
        self.queue_url = self.sqs.get_queue_url(QueueName="duffbeer-uploads")["QueueUrl"]

    def upload(self, key: str, body: str) -> None:
        self.s3.put_object(Bucket=INPUT, Key=key, Body=body.encode())

    def window(self, max_files: int = 1000) -> list[str]:
        """What Lambda's event source does at the end of a batching window: gather the
        queued messages (up to BatchSize), invoke the batcher once, delete them."""
        messages: list[dict[str, Any]] = []
        while len(messages) < max_files:
            got = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10)
            if not got.get("Messages"):
                break
            messages += got["Messages"]
        event = {"Records": [{"body": m["Body"], "eventSource": "aws:sqs"} for m in messages]}
        started = batcher.start_batches(event, self.sfn, MACHINE, "incoming/", time.time())
        for m in messages:
            self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])
        return started

    def executions(self) -> list[dict[str, Any]]:
        found = self.sfn.list_executions(stateMachineArn=MACHINE)["executions"]
        return [self.sfn.describe_execution(executionArn=e["executionArn"]) for e in found]

    def flow(self) -> LocalFlow:
        props = json.loads(TEMPLATE.read_text())["Resources"]["PipelineStateMachine"]["Properties"]
        settings = steps.StepSettings("incoming/", Settings(max_bytes=10_000))
        clients = Clients(self.s3, self.client("cloudwatch"))
        topic = f"arn:aws:sns:eu-west-1:{ACCOUNT}:duffbeer-pipeline-alerts"
        subs = {"StepsFunctionArn": "steps", "JobName": JOB, "TopicArn": topic}
        return LocalFlow.from_template(
            props,
            subs,
            invoke=lambda payload: steps.handle(payload, settings, clients),
            glue=self.glue,
            sns=self.client("sns"),
        )

    def keys(self, prefix: str) -> list[str]:
        listing = self.s3.list_objects_v2(Bucket=INPUT, Prefix=prefix)
        return sorted(o["Key"] for o in listing.get("Contents", []))
