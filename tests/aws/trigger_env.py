"""A small real pipeline front door on the moto server: input bucket -> SQS -> trigger.

`Front.deliver()` does what Lambda's SQS event source mapping does: receive a
batch, call the handler, delete only the messages not reported as failures.
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from lambdas.trigger import Clients, Settings, handle_event

INPUT = "duffbeer-input-orders"
JOB = "duffbeer-process-orders"
HEADER = "order_id,client_id,product_id,channel,quantity,unit_price,status,order_date\n"
ROW = "O-1,C-1,P-1,online,2,3.50,confirmed,2024-03-01\n"


def set_job_run_progression(endpoint: str, progression: dict[str, Any] | None) -> None:
    """Make moto's Glue job runs advance only when described (None restores the default)."""
    path = "set-transition" if progression else "unset-transition"
    body: dict[str, Any] = {"model_name": "glue::job_run"}
    if progression:
        body["transition"] = progression
    request = urllib.request.Request(
        f"{endpoint}/moto-api/state-manager/{path}",
        data=json.dumps(body).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request) as response:
        assert response.status in (200, 201)


@dataclass
class Front:
    s3: Any
    sqs: Any
    glue: Any
    cloudwatch: Any
    queue_url: str
    settings: Settings

    @property
    def clients(self) -> Clients:
        return Clients(self.s3, self.glue, self.cloudwatch)

    def put(self, key: str, body: bytes | str) -> str:
        data = body.encode() if isinstance(body, str) else body
        return str(self.s3.put_object(Bucket=INPUT, Key=key, Body=data)["ETag"])

    def receive(self) -> list[dict[str, Any]]:
        return list(
            self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, VisibilityTimeout=30
            ).get("Messages", [])
        )

    def deliver(self, messages: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        batch = self.receive() if messages is None else messages
        event = {
            "Records": [
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "eventSource": "aws:sqs",
                }
                for m in batch
            ]
        }
        result = handle_event(event, self.settings, self.clients)
        failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
        for m in batch:
            if m["MessageId"] in failed:  # visible again after the timeout; here: now
                self.sqs.change_message_visibility(
                    QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0
                )
            else:
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])
        return result

    def object_keys(self, prefix: str = "") -> list[str]:
        listing = self.s3.list_objects_v2(Bucket=INPUT, Prefix=prefix)
        return sorted(o["Key"] for o in listing.get("Contents", []))

    def job_runs(self) -> list[dict[str, Any]]:
        return list(self.glue.get_job_runs(JobName=JOB)["JobRuns"])

    def queued_keys(self) -> list[str]:
        """Order files still waiting in the queue (peek: messages stay visible)."""
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0
        ).get("Messages", [])
        keys = []
        for m in messages:
            for record in json.loads(m["Body"]).get("Records", []):
                key = unquote_plus(record["s3"]["object"]["key"])
                if not key.startswith(("quarantine/", "_triggers/")):
                    keys.append(key)
        return sorted(keys)


def build_front(client: Any, max_bytes: int = 10_000, header_bytes: int = 4096) -> Front:
    s3, sqs, glue = client("s3"), client("sqs"), client("glue")
    s3.create_bucket(Bucket=INPUT, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_versioning(Bucket=INPUT, VersioningConfiguration={"Status": "Enabled"})
    queue_url = sqs.create_queue(QueueName="duffbeer-trigger")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    s3.put_bucket_notification_configuration(
        Bucket=INPUT,
        NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]
        },
    )
    glue.create_job(
        Name=JOB,
        Role="arn:aws:iam::123456789012:role/glue",
        Command={"Name": "glueetl", "ScriptLocation": "s3://scripts/process_orders.py"},
        ExecutionProperty={"MaxConcurrentRuns": 1},
        GlueVersion="5.1",
    )
    settings = Settings(job_name=JOB, max_bytes=max_bytes, header_bytes=header_bytes)
    front = Front(s3, sqs, glue, client("cloudwatch"), queue_url, settings)
    front.deliver()  # S3's s3:TestEvent from the notification set-up: a harmless no-op
    return front
