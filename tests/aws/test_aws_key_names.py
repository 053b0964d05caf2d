"""Any S3 key name survives the upload path: S3 event -> batcher -> validate -> quarantine or
stage, against moto's S3 over HTTP.

S3 event notifications carry `s3.object.key` URL-encoded, `+` for a space ("Event message
structure", https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html).
The batcher decodes it once; every later step works on the decoded key. A name with a literal
`+` or `%41` tells a missing decode (the object is not found) from a second one (`a+b` would
become `a b`, `%41` would become `A`).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote_plus

import pytest

from lambdas import batcher, steps
from lambdas.s3_ops import MAX_KEY_BYTES, SIDECAR_SUFFIX
from lambdas.validation import Clients, Settings

BUCKET = "key-names"
PREFIX = "incoming/"
SETTINGS = steps.StepSettings(PREFIX, Settings(max_bytes=10_000, header_bytes=256))
HEADER = "order_id,client_id,product_id,channel,quantity,unit_price,status,order_date\n"
VALID = (HEADER + "O-1,C-1,P-1,online,2,3.50,confirmed,2024-03-01\n").encode()
BAD_HEADER = b"order_id,client_id\nO-1,C-1\n"  # missing_columns
EVENT_TIME = "2026-11-30T22:00:01.123Z"
UPLOADED = "20261130T220001123Z"  # upload_time_segment(EVENT_TIME)

NAMES = [
    "Pedidos noviembre (1).csv",
    "orders [final].csv",
    "ventas 50%.csv",
    "año 2025/pedidos.csv",
    "a+b.csv",
    "weird #1 {x}, it's; *?.csv",
    "注文.csv",
    "ORDERS.CSV",
    "%41literal.csv",
    "100%25 a%2Bb.csv",  # literal escapes: a second decode turns them into `%` and `+`
    "dir with space/sub+dir/ü ~=&@$!.csv",
    "  leading and trailing spaces  .csv",
    "tab\there.csv",  # moto's server refuses a newline in a key, so control characters stop here
]


def s3_encoded(key: str, encoding: str) -> str:
    """The key as an event carries it: `quote_plus` (space -> `+`, everything else but
    letters, digits and `_.-~` -> `%XX` of its UTF-8 bytes). `s3` keeps `/` as S3's own events
    do; `moto` encodes it too (`%2F`, moto's `quote_plus(key.name)`): one decode reads both."""
    return quote_plus(key, safe="/" if encoding == "s3" else "")


def sqs_event(key: str, etag: str, size: int) -> dict[str, Any]:
    """Lambda's SQS event: one message whose body is S3's notification."""
    record = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "eventName": "ObjectCreated:Put",
        "eventTime": EVENT_TIME,
        "s3": {
            "bucket": {"name": BUCKET},
            "object": {"key": key, "eTag": etag, "size": size, "sequencer": "0A1B2C3D4E5F"},
        },
    }
    return {"Records": [{"eventSource": "aws:sqs", "body": json.dumps({"Records": [record]})}]}


@pytest.fixture
def clients(client: Any) -> Clients:
    s3 = client("s3")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return Clients(s3, client("cloudwatch"))


def upload(clients: Clients, key: str, body: bytes) -> dict[str, Any]:
    """Put the object, then the one file the batcher makes of S3's event for it."""
    etag = str(clients.s3.put_object(Bucket=BUCKET, Key=key, Body=body)["ETag"]).strip('"')
    return batcher_file(sqs_event(s3_encoded(key, "s3"), etag, len(body)))


def batcher_file(event: dict[str, Any]) -> dict[str, Any]:
    (batch,) = batcher.uploads(event, PREFIX)
    assert batch["bucket"] == BUCKET
    (file,) = batch["files"]
    return dict(file)


def validate(clients: Clients, file: dict[str, Any]) -> dict[str, Any]:
    return dict(
        steps.handle({"step": "validate", "bucket": BUCKET, "file": file}, SETTINGS, clients)
    )


def body(clients: Clients, key: str) -> bytes:
    return bytes(clients.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())


def keys(clients: Clients, prefix: str) -> list[str]:
    listing = clients.s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return sorted(o["Key"] for o in listing.get("Contents", []))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("encoding", ["s3", "moto"])
def test_the_batcher_decodes_an_event_key_exactly_once(name: str, encoding: str):
    event = sqs_event(s3_encoded(PREFIX + name, encoding), "e", 1)
    assert batcher_file(event)["key"] == PREFIX + name


@pytest.mark.parametrize("name", NAMES)
def test_a_valid_upload_is_staged_under_its_decoded_name_byte_for_byte(clients: Clients, name: str):
    file = upload(clients, PREFIX + name, VALID)
    assert file["key"] == PREFIX + name
    checked = validate(clients, file)
    assert checked["status"] == "valid" and checked["key"] == PREFIX + name
    event = {"step": "stage", "bucket": BUCKET, "batch_id": "b-1", "files": [checked]}
    assert steps.handle(event, SETTINGS, clients)["valid"] == 1
    staged = f"batches/b-1/{UPLOADED}/{name}"
    assert steps.staged_key(SETTINGS, "b-1", checked) == staged
    assert keys(clients, "batches/") == [staged]
    assert body(clients, staged) == VALID
    assert steps.read_record(clients.s3, BUCKET, "b-1")["files"][0]["staged"] == staged
    assert keys(clients, PREFIX) == [] and keys(clients, "quarantine/") == []


@pytest.mark.parametrize("name", NAMES)
def test_a_bad_header_is_quarantined_under_its_decoded_name_byte_for_byte(
    clients: Clients, name: str
):
    file = upload(clients, PREFIX + name, BAD_HEADER)
    checked = validate(clients, file)
    assert checked["status"] == "quarantined" and checked["reason"] == "missing_columns"
    target = f"quarantine/{PREFIX}{name}"
    assert keys(clients, "quarantine/") == [target, f"{target}.reason.json"]
    assert body(clients, target) == BAD_HEADER
    sidecar = json.loads(body(clients, f"{target}.reason.json"))
    assert sidecar["source"] == f"s3://{BUCKET}/{PREFIX}{name}"
    assert keys(clients, PREFIX) == []
    event = {"step": "stage", "bucket": BUCKET, "batch_id": "b-1", "files": [checked]}
    assert steps.handle(event, SETTINGS, clients)["valid"] == 0
    assert keys(clients, "batches/") == []


def test_moto_s3_notifications_reach_staging_under_the_decoded_names(client: Any, clients: Clients):
    """The encoding S3 itself applies (moto's notification code), not a hand-built event:
    every name of the table through one SQS window, one batch, staged under its own name."""
    sqs = client("sqs")
    queue = sqs.create_queue(QueueName="key-names")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    clients.s3.put_bucket_notification_configuration(
        Bucket=BUCKET,
        NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]
        },
    )
    for name in NAMES:
        clients.s3.put_object(Bucket=BUCKET, Key=PREFIX + name, Body=VALID)
    messages: list[dict[str, Any]] = []
    while got := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages"):
        messages += got
    event = {"Records": [{"eventSource": "aws:sqs", "body": m["Body"]} for m in messages]}
    (batch,) = batcher.uploads(event, PREFIX)
    assert sorted(f["key"] for f in batch["files"]) == sorted(PREFIX + n for n in NAMES)
    checked = [validate(clients, f) for f in batch["files"]]
    assert [c["status"] for c in checked] == ["valid"] * len(NAMES)
    stage = {"step": "stage", "bucket": BUCKET, "batch_id": "b-1", "files": checked}
    assert steps.handle(stage, SETTINGS, clients)["valid"] == len(NAMES)
    staged = keys(clients, "batches/b-1/")
    assert sorted(k.split("/", 3)[3] for k in staged) == sorted(NAMES)
    assert all(body(clients, k) == VALID for k in staged)
    assert keys(clients, PREFIX) == []


# Names S3 allows whose staged or quarantined key would not fit S3's 1,024 bytes: one byte
# short of the limit with the upload prefix, two-byte characters, a long folder.
LONG_NAMES = [
    "a" * (MAX_KEY_BYTES - len(PREFIX) - 4) + ".csv",
    "ü" * ((MAX_KEY_BYTES - len(PREFIX) - 4) // 2) + ".csv",
    "f" * 600 + "/" + "pedidos de noviembre " * 18 + ".CSV",
]


def test_the_long_names_fill_s3s_key_limit():
    assert [len((PREFIX + n).encode()) <= MAX_KEY_BYTES for n in LONG_NAMES] == [True] * 3
    assert all(len((PREFIX + n).encode()) > MAX_KEY_BYTES - 40 for n in LONG_NAMES)


@pytest.mark.parametrize("name", LONG_NAMES)
def test_a_name_near_s3s_key_limit_is_staged_under_a_key_that_fits(clients: Clients, name: str):
    """moto takes keys over 1,024 bytes; S3 refuses them, so the length is asserted here."""
    file = upload(clients, PREFIX + name, VALID)
    checked = validate(clients, file)
    assert checked["status"] == "valid"
    event = {"step": "stage", "bucket": BUCKET, "batch_id": "b-1", "files": [checked]}
    assert steps.handle(event, SETTINGS, clients)["valid"] == 1
    (staged,) = keys(clients, "batches/")
    assert len(staged.encode()) <= MAX_KEY_BYTES
    assert staged.startswith(f"batches/b-1/{UPLOADED}/") and staged.lower().endswith(".csv")
    assert body(clients, staged) == VALID
    entry = steps.read_record(clients.s3, BUCKET, "b-1")["files"][0]
    assert (entry["key"], entry["staged"]) == (PREFIX + name, staged)


def test_long_names_that_share_their_end_stay_apart():
    """The shortened key carries a digest of the whole name, so two long names that differ
    only in a part cut away never land on one key."""
    first, second = "x" * 990 + "-1-" + "y" * 20 + ".csv", "x" * 990 + "-2-" + "y" * 20 + ".csv"
    file = {"event_time": EVENT_TIME}
    keys_ = {
        steps.staged_key(SETTINGS, "b-1", {**file, "key": PREFIX + n}) for n in (first, second)
    }
    assert len(keys_) == 2 and all(len(k.encode()) <= MAX_KEY_BYTES for k in keys_)


@pytest.mark.parametrize("name", LONG_NAMES)
def test_a_bad_file_near_s3s_key_limit_is_quarantined_with_its_sidecar(clients: Clients, name: str):
    file = upload(clients, PREFIX + name, BAD_HEADER)
    checked = validate(clients, file)
    assert checked["status"] == "quarantined" and checked["reason"] == "missing_columns"
    target, sidecar_key = keys(clients, "quarantine/")
    assert sidecar_key == target + SIDECAR_SUFFIX
    assert len(sidecar_key.encode()) <= MAX_KEY_BYTES
    assert body(clients, target) == BAD_HEADER
    sidecar = json.loads(body(clients, sidecar_key))
    assert sidecar["source"] == f"s3://{BUCKET}/{PREFIX}{name}"
    assert keys(clients, PREFIX) == []
