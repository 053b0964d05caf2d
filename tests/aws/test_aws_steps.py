"""The state machine's Lambda steps against moto's S3: every kind of bad upload is
quarantined byte for byte with its reason (and stays recoverable), good ones are staged
once, replaced or vanished uploads are left alone, records follow the outcome."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lambdas import steps
from lambdas.validation import Clients, Settings
from tests.aws.moto_state import metric_points

BUCKET = "steps-input"
HEADER = "order_id,client_id,product_id,channel,quantity,unit_price,status,order_date\n"
ROW = "O-1,C-1,P-1,online,2,3.50,confirmed,2024-03-01\n"
VALID = HEADER + ROW
SETTINGS = steps.StepSettings("incoming/", Settings(max_bytes=600, header_bytes=256))


@pytest.fixture
def clients(client: Any) -> Clients:
    s3 = client("s3")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return Clients(s3, client("cloudwatch"))


def put(clients: Clients, key: str, body: str | bytes) -> str:
    data = body.encode() if isinstance(body, str) else body
    return str(clients.s3.put_object(Bucket=BUCKET, Key=key, Body=data)["ETag"]).strip('"')


def validate(clients: Clients, key: str, etag: str) -> dict[str, Any]:
    event = {"step": "validate", "bucket": BUCKET, "file": {"key": key, "etag": etag}}
    return dict(steps.handle(event, SETTINGS, clients))


def rejected_reasons(clients: Clients) -> set[str]:
    metrics = clients.cloudwatch.list_metrics(Namespace="DuffBeer/Trigger")["Metrics"]
    return {d["Value"] for m in metrics for d in m["Dimensions"] if d["Name"] == "Reason"}


def test_a_valid_upload_is_valid_and_untouched(clients: Clients):
    etag = put(clients, "incoming/2024/03/orders.csv", VALID)
    result = validate(clients, "incoming/2024/03/orders.csv", etag)
    assert result == {
        "key": "incoming/2024/03/orders.csv", "etag": etag, "size": len(VALID), "status": "valid",
        "event_time": None,
    }  # fmt: skip


def test_semicolon_bom_crlf_header_with_leading_blank_line_is_valid(clients: Clients):
    body = "\ufeff\r\nORDER_ID; Client_Id;product_id;channel;quantity;unit_price;status;"
    body += "order_date;x\r\nO-1;C-1;P-1;store;1;1.234,50;shipped;01/03/2024\r\n"
    assert (
        validate(clients, "incoming/es.csv", put(clients, "incoming/es.csv", body))["status"]
        == "valid"
    )


@pytest.mark.parametrize(
    ("key", "body", "reason"),
    [
        ("orders.txt", VALID, "not_csv"),
        ("empty.csv", b"", "empty_file"),
        ("blank.csv", "\n\r\n  \n", "empty_file"),
        ("huge.csv", HEADER + ROW * 20, "file_too_large"),
        ("latin1.csv", "order_id,client_id,pr\xf6duct_id\n".encode("latin-1"), "unreadable_header"),
        ("long_header.csv", "x" * 590, "unreadable_header"),
        ("missing.csv", "order_id,client_id,product_id\nO-1,C,P\n", "missing_columns"),
    ],
)  # fmt: skip
def test_a_bad_upload_is_quarantined_with_its_reason_and_stays_recoverable(
    clients: Clients, key: str, body: str | bytes, reason: str
):
    upload = f"incoming/{key}"
    result = validate(clients, upload, put(clients, upload, body))
    assert result["status"] == "quarantined" and result["reason"] == reason
    original = body.encode() if isinstance(body, str) else body
    s3 = clients.s3
    assert s3.get_object(Bucket=BUCKET, Key=f"quarantine/{upload}")["Body"].read() == original
    sidecar = json.loads(
        s3.get_object(Bucket=BUCKET, Key=f"quarantine/{upload}.reason.json")["Body"].read()
    )
    assert sidecar["reason"] == reason and sidecar["detail"]
    assert sidecar["source"] == f"s3://{BUCKET}/{upload}" and sidecar["size"] == len(original)
    assert rejected_reasons(clients) == {reason}
    versions = s3.list_object_versions(Bucket=BUCKET, Prefix=upload)
    assert versions.get("DeleteMarkers") and versions.get("Versions")


def test_missing_columns_detail_names_them(clients: Clients):
    body = "order_id;client_id;product_id;channel;quantity;status\n"
    validate(clients, "incoming/partial.csv", put(clients, "incoming/partial.csv", body))
    sidecar = clients.s3.get_object(
        Bucket=BUCKET, Key="quarantine/incoming/partial.csv.reason.json"
    )
    detail = json.loads(sidecar["Body"].read())["detail"]
    assert detail == "missing required columns: unit_price, order_date"


def test_gone_or_replaced_uploads_are_left_alone(clients: Clients):
    assert validate(clients, "incoming/never.csv", "x")["status"] == "gone"
    old = put(clients, "incoming/a.csv", VALID)
    put(clients, "incoming/a.csv", VALID + ROW)  # a newer upload: it has its own event
    assert validate(clients, "incoming/a.csv", old) == {
        "key": "incoming/a.csv", "etag": old, "status": "gone", "reason": "replaced",
        "event_time": None,
    }  # fmt: skip


def test_staging_moves_valid_files_once_and_records_the_batch(clients: Clients):
    etag = put(clients, "incoming/d/a.csv", VALID)
    files = [
        {
            "key": "incoming/d/a.csv",
            "etag": etag,
            "status": "valid",
            "event_time": "2026-11-30T22:00:01.123Z",
        },
        {"key": "incoming/x.txt", "etag": "e", "status": "quarantined", "reason": "not_csv"},
    ]
    event = {"step": "stage", "bucket": BUCKET, "batch_id": "b-1", "files": files}
    first = steps.handle(event, SETTINGS, clients)
    again = steps.handle(event, SETTINGS, clients)  # a Step Functions retry
    assert first == again == {
        "batch_id": "b-1", "bucket": BUCKET, "input_path": f"s3://{BUCKET}/batches/b-1/", "valid": 1
    }  # fmt: skip
    keys = [o["Key"] for o in clients.s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert sorted(keys) == ["_batches/b-1.json", "batches/b-1/20261130T220001123Z/d/a.csv"]
    record = steps.read_record(clients.s3, BUCKET, "b-1")
    assert (
        record["state"] == "running"
        and record["files"][0]["staged"] == "batches/b-1/20261130T220001123Z/d/a.csv"
    )
    steps.handle(
        {"step": "record", "bucket": BUCKET, "batch_id": "b-1", "state": "failed",
         "error": {"Error": "States.TaskFailed", "Cause": "boom"}},
        SETTINGS, clients,
    )  # fmt: skip
    record = steps.read_record(clients.s3, BUCKET, "b-1")
    assert record["state"] == "failed" and record["error"]["Cause"] == "boom"


def succeeded_batches(clients: Clients) -> float:
    """The BatchesSucceeded sum moto's CloudWatch holds (the alarm's metric)."""
    return sum(metric_points(clients.cloudwatch, steps.BATCHES_SUCCEEDED))


def test_only_a_succeeded_batch_is_counted_for_the_no_success_for_a_day_alarm(clients: Clients):
    etag = put(clients, "incoming/a.csv", VALID)
    file = {"key": "incoming/a.csv", "etag": etag, "status": "valid", "event_time": ""}
    for batch in ("b-ok", "b-bad"):
        event = {"step": "stage", "bucket": BUCKET, "batch_id": batch, "files": [file]}
        steps.handle(event, SETTINGS, clients)
    record = {"step": "record", "bucket": BUCKET}
    steps.handle({**record, "batch_id": "b-bad", "state": "failed", "error": {}}, SETTINGS, clients)
    assert succeeded_batches(clients) == 0
    steps.handle({**record, "batch_id": "b-ok", "state": "succeeded"}, SETTINGS, clients)
    assert succeeded_batches(clients) == 1


def test_a_succeeded_batch_reports_the_share_of_rows_its_run_rejected(clients: Clients):
    """The record step reads the run's report (``_runs/<batch_id>.json`` in the processed
    bucket, written by the job) and publishes RowsRejectedPercent for the alarm on it."""
    processed = "steps-processed"
    clients.s3.create_bucket(
        Bucket=processed, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    report = {"run_id": "b-1", "totals": {"rows_read": 40, "rows_valid": 30, "rows_rejected": 10}}
    clients.s3.put_object(Bucket=processed, Key="_runs/b-1.json", Body=json.dumps(report))
    settings = steps.StepSettings("incoming/", SETTINGS.checks, processed_bucket=processed)
    etag = put(clients, "incoming/a.csv", VALID)
    file = {"key": "incoming/a.csv", "etag": etag, "status": "valid", "event_time": ""}
    for batch in ("b-1", "b-no-report"):
        stage = {"step": "stage", "bucket": BUCKET, "batch_id": batch, "files": [file]}
        steps.handle(stage, settings, clients)
        record = {"step": "record", "bucket": BUCKET, "batch_id": batch, "state": "succeeded"}
        steps.handle(record, settings, clients)  # a missing report is logged, not raised
    assert metric_points(clients.cloudwatch, steps.ROWS_REJECTED_PERCENT, "Maximum") == [25.0]
    assert steps.read_record(clients.s3, BUCKET, "b-no-report")["state"] == "succeeded"


@pytest.mark.parametrize(
    ("totals", "share"),
    [
        ({"rows_read": 3, "rows_rejected": 3}, 100.0),
        ({"rows_read": 8, "rows_rejected": 0}, 0.0),
        ({"rows_read": 0, "rows_rejected": 0}, None),  # a run of empty files: no share
        ({}, None),
    ],
)
def test_rejected_share_is_rejected_over_read_rows(totals: dict[str, int], share: float | None):
    assert steps.rows_rejected_percent({"totals": totals}) == share


def test_the_alerted_step_counts_one_alert_per_call(clients: Clients):
    event = {"step": "alerted", "bucket": BUCKET, "batch_id": "b-9"}
    steps.handle(event, SETTINGS, clients)
    assert sum(metric_points(clients.cloudwatch, steps.BATCHES_ALERTED)) == 1
