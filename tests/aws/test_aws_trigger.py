"""The upload trigger against a real moto server: S3 -> SQS -> handler -> Glue.

Every case checks that no file is lost: it is either started (and still in the
input bucket for the job), or copied to quarantine/ with a reason sidecar, or
still waiting in the queue.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote_plus

import pytest

from lambdas.s3_ops import MarkerStore, run_id_for
from lambdas.trigger import RunDeferredError, Settings, handle_event, process_object
from tests.aws.trigger_env import (
    HEADER,
    INPUT,
    JOB,
    ROW,
    Front,
    build_front,
    set_job_run_progression,
)

VALID = HEADER + ROW


@pytest.fixture
def front(client: Any, moto: str) -> Iterator[Front]:
    # Job runs stay STARTING until described, so a second start hits MaxConcurrentRuns.
    set_job_run_progression(moto, {"progression": "manual", "times": 1})
    yield build_front(client, max_bytes=600, header_bytes=256)
    set_job_run_progression(moto, None)


def finish_runs(front: Front) -> None:
    for run in front.job_runs():
        for _ in range(3):
            front.glue.get_job_run(JobName=JOB, RunId=run["Id"])


def rejected_metrics(front: Front) -> set[str]:
    metrics = front.cloudwatch.list_metrics(Namespace="DuffBeer/Trigger")["Metrics"]
    return {
        d["Value"]
        for m in metrics
        if m["MetricName"] == "FilesRejected"
        for d in m["Dimensions"]
        if d["Name"] == "Reason"
    }


def test_valid_upload_starts_one_glue_run_with_input_path_and_deterministic_run_id(front: Front):
    etag = front.put("2024/03/orders.csv", VALID)

    result = front.deliver()

    assert result == {"batchItemFailures": []}
    (run,) = front.job_runs()
    run_id = run_id_for(INPUT, "2024/03/orders.csv", etag)
    assert run["Arguments"] == {
        "--input_path": f"s3://{INPUT}/2024/03/orders.csv",
        "--run_id": run_id,
    }
    assert run_id == run_id_for(INPUT, "2024/03/orders.csv", etag.strip('"'))
    assert run_id.startswith("s3-") and len(run_id) == 35 and run_id[3:].isalnum()
    marker = json.loads(
        front.s3.get_object(Bucket=INPUT, Key=f"_triggers/{run_id}.json")["Body"].read()
    )
    assert marker["state"] == "started" and marker["job_run_id"] == run["Id"]
    assert "2024/03/orders.csv" in front.object_keys()
    assert front.queued_keys() == []


@pytest.mark.parametrize(("size", "started"), [(600, True), (601, False)], ids=["max", "max+1"])
def test_a_file_of_exactly_the_maximum_size_starts_one_byte_more_is_quarantined(
    front: Front, size: int, started: bool
):
    """The front's MAX_FILE_BYTES is 600 (the fixture): the limit itself is allowed."""
    body = VALID + "\n" * (size - len(VALID))  # blank lines are ignored by the job
    assert len(body.encode()) == size
    front.put("edge.csv", body)

    assert front.deliver() == {"batchItemFailures": []}

    assert len(front.job_runs()) == (1 if started else 0)
    quarantined = "quarantine/edge.csv.reason.json" in front.object_keys()
    assert quarantined is not started
    if not started:
        sidecar = front.s3.get_object(Bucket=INPUT, Key="quarantine/edge.csv.reason.json")
        reason = json.loads(sidecar["Body"].read())
        assert (reason["reason"], reason["size"]) == ("file_too_large", 601)


def test_semicolon_bom_crlf_header_with_leading_blank_line_is_accepted(front: Front):
    body = (
        "\ufeff\r\nORDER_ID; Client_Id;product_id;channel;quantity;unit_price;status;"
        "order_date;x\r\n"
    )
    front.put("es.csv", body + "O-1;C-1;P-1;store;1;1.234,50;shipped;01/03/2024\r\n")

    assert front.deliver() == {"batchItemFailures": []}
    assert len(front.job_runs()) == 1


@pytest.mark.parametrize(
    ("key", "body", "reason"),
    [
        ("orders.txt", VALID, "not_csv"),
        ("empty.csv", b"", "empty_file"),
        ("blank.csv", "\n\r\n  \n", "empty_file"),
        ("huge.csv", HEADER + ROW * 20, "file_too_large"),
        ("latin1.csv", "order_id,client_id,pr\xf6duct_id\n".encode("latin-1"), "unreadable_header"),
        ("long_header.csv", "x" * 590, "unreadable_header"),
        (
            "missing.csv",
            "order_id,client_id,product_id,channel,quantity\nO-1,C,P,store,1\n",
            "missing_columns",
        ),
    ],
)
def test_invalid_file_is_moved_to_quarantine_with_reason_and_never_started(
    front: Front, key: str, body: str | bytes, reason: str
):
    front.put(key, body)
    original = body.encode() if isinstance(body, str) else body

    assert front.deliver() == {"batchItemFailures": []}

    assert front.job_runs() == []
    assert key not in front.object_keys()
    copy = front.s3.get_object(Bucket=INPUT, Key=f"quarantine/{key}")["Body"].read()
    assert copy == original
    sidecar = json.loads(
        front.s3.get_object(Bucket=INPUT, Key=f"quarantine/{key}.reason.json")["Body"].read()
    )
    assert sidecar["reason"] == reason
    assert sidecar["source"] == f"s3://{INPUT}/{key}"
    assert sidecar["size"] == len(original) and sidecar["detail"]
    assert rejected_metrics(front) == {reason}
    # The delete is versioned: the original bytes are also still recoverable.
    versions = front.s3.list_object_versions(Bucket=INPUT, Prefix=key)
    assert versions.get("DeleteMarkers") and versions.get("Versions")


def test_missing_columns_detail_names_the_missing_columns(front: Front):
    front.put("partial.csv", "order_id;client_id;product_id;channel;quantity;status\n")
    front.deliver()
    sidecar = json.loads(
        front.s3.get_object(Bucket=INPUT, Key="quarantine/partial.csv.reason.json")["Body"].read()
    )
    assert sidecar["detail"] == "missing required columns: unit_price, order_date"


def test_url_encoded_keys_from_s3_events_are_decoded(front: Front):
    key = "incoming/March orders+ñ (1).csv"
    etag = front.put(key, VALID)
    front.receive()  # drop moto's own notification; send what S3 sends: a URL-encoded key
    record = {
        "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": INPUT}, "object": {"key": quote_plus(key), "eTag": etag}},
    }

    assert handle_event({"Records": [record]}, front.settings, front.clients) == {
        "outcomes": ["started"]
    }
    (run,) = front.job_runs()
    assert run["Arguments"]["--input_path"] == f"s3://{INPUT}/{key}"


def test_duplicate_delivery_of_one_upload_starts_the_job_once(front: Front):
    front.put("dup.csv", VALID)
    (message,) = front.receive()

    front.deliver([message])
    finish_runs(front)  # even with the first run finished, a duplicate must not re-run it
    front.sqs.send_message(QueueUrl=front.queue_url, MessageBody=message["Body"])
    front.deliver()

    assert len(front.job_runs()) == 1
    assert front.queued_keys() == []


def test_reupload_with_new_content_is_a_new_run(front: Front):
    front.put("same.csv", VALID)
    front.deliver()
    finish_runs(front)
    front.put("same.csv", VALID + "O-2,C-1,P-1,online,1,1.00,pending,2024-03-02\n")
    front.deliver()

    runs = front.job_runs()
    assert len(runs) == 2
    assert len({r["Arguments"]["--run_id"] for r in runs}) == 2


def test_duplicate_of_a_quarantined_file_does_not_touch_the_quarantine(front: Front):
    front.put("bad.txt", "x")
    (message,) = front.receive()
    front.deliver([message])
    front.sqs.send_message(QueueUrl=front.queue_url, MessageBody=message["Body"])

    assert front.deliver() == {"batchItemFailures": []}
    assert front.object_keys("quarantine/") == [
        "quarantine/bad.txt",
        "quarantine/bad.txt.reason.json",
    ]


def test_file_arriving_while_job_runs_waits_in_the_queue_and_starts_later(front: Front):
    front.put("first.csv", VALID)
    front.deliver()
    front.put("second.csv", VALID)

    deferred = front.deliver()

    assert len(deferred["batchItemFailures"]) == 1
    assert len(front.job_runs()) == 1
    assert front.queued_keys() == ["second.csv"]  # still queued: not lost
    run_id = run_id_for(
        INPUT, "second.csv", front.s3.head_object(Bucket=INPUT, Key="second.csv")["ETag"]
    )
    assert MarkerStore(front.s3, INPUT, "_triggers/").read(run_id) is None  # claim released

    assert front.deliver()["batchItemFailures"]  # redelivered while the job still runs
    finish_runs(front)
    assert front.deliver() == {"batchItemFailures": []}

    inputs = sorted(r["Arguments"]["--input_path"] for r in front.job_runs())
    assert inputs == [f"s3://{INPUT}/first.csv", f"s3://{INPUT}/second.csv"]
    assert front.queued_keys() == []


def test_one_deferred_record_fails_only_its_own_message(front: Front):
    front.put("a.csv", VALID)
    front.put("b.txt", VALID)
    front.put("c.csv", VALID)

    result = front.deliver()

    assert len(result["batchItemFailures"]) == 1  # a or c; the other started
    assert front.object_keys("quarantine/") == ["quarantine/b.txt", "quarantine/b.txt.reason.json"]
    finish_runs(front)
    assert front.deliver() == {"batchItemFailures": []}
    assert len(front.job_runs()) == 2


def test_direct_s3_invocation_raises_to_retry_when_the_job_is_busy(front: Front):
    front.put("one.csv", VALID)
    front.deliver()
    front.put("two.csv", VALID)
    front.receive()

    with pytest.raises(RunDeferredError):
        process_object(front.clients, front.settings, INPUT, "two.csv")
    assert "two.csv" in front.object_keys()


def test_fresh_claim_by_another_delivery_defers_and_stale_claim_is_taken_over(front: Front):
    etag = front.put("race.csv", VALID)
    front.receive()
    run_id = run_id_for(INPUT, "race.csv", etag)
    markers = MarkerStore(front.s3, INPUT, "_triggers/")
    assert markers.claim(run_id, "other-worker", stale_after=900)

    with pytest.raises(RunDeferredError):
        process_object(front.clients, front.settings, INPUT, "race.csv")
    assert front.job_runs() == []

    impatient = Settings(job_name=JOB, max_bytes=600, header_bytes=256, claim_stale_seconds=0)
    time.sleep(0.01)
    assert process_object(front.clients, impatient, INPUT, "race.csv") == "started"
    assert len(front.job_runs()) == 1


def test_trigger_never_reacts_to_its_own_quarantine_and_marker_objects(front: Front):
    front.put("bad.txt", "nope")
    front.deliver()
    front.put("quarantine/other.txt", "x")
    front.put("_triggers/s3-abc.json", "{}")

    assert front.deliver() == {"batchItemFailures": []}
    assert front.object_keys("quarantine/") == [
        "quarantine/bad.txt",
        "quarantine/bad.txt.reason.json",
        "quarantine/other.txt",
    ]


def test_unexpected_error_keeps_the_message_for_retry_and_dead_letter(front: Front):
    front.put("x.csv", VALID)
    broken = Settings(job_name="no-such-job", max_bytes=600, header_bytes=256)
    (message,) = front.receive()
    event = {
        "Records": [
            {"messageId": message["MessageId"], "body": message["Body"], "eventSource": "aws:sqs"}
        ]
    }

    result = handle_event(event, broken, front.clients)

    assert result == {"batchItemFailures": [{"itemIdentifier": message["MessageId"]}]}
    assert "x.csv" in front.object_keys() and front.object_keys("_triggers/") == []
