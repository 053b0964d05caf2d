"""The batcher's pure parts and the pipeline Lambdas' constants (no AWS)."""

from __future__ import annotations

import json
from typing import Any

from deploy import names
from deploy.config import RESERVED
from deploy.local_twin import MOTO_UNSUPPORTED, for_moto
from deploy.template import build_template
from lambdas import batcher, steps


def s3_event(*items: tuple[str, str, str]) -> dict[str, Any]:
    """One SQS message per (key, etag, eventTime)."""
    return {
        "Records": [
            {
                "eventSource": "aws:sqs",
                "body": json.dumps(
                    {
                        "Records": [
                            {
                                "eventName": "ObjectCreated:Put",
                                "eventTime": when,
                                "s3": {
                                    "bucket": {"name": "in"},
                                    "object": {"key": key, "eTag": etag, "size": 5},
                                },
                            }
                        ]
                    }
                ),
            }
            for key, etag, when in items
        ]
    }


def test_uploads_are_deduplicated_filtered_and_in_upload_order():
    event = s3_event(
        ("incoming/b.csv", "2", "2026-11-30T10:00:02.000Z"),
        ("incoming/a+file.csv", "1", "2026-11-30T10:00:01.000Z"),
        ("incoming/b.csv", "2", "2026-11-30T10:00:02.000Z"),  # duplicate delivery
        ("quarantine/incoming/x.csv", "3", "2026-11-30T10:00:03.000Z"),
    )
    event["Records"].append(
        {"eventSource": "aws:sqs", "body": json.dumps({"Event": "s3:TestEvent"})}
    )
    (batch,) = batcher.uploads(event, "incoming/")
    assert batch["bucket"] == "in"
    assert [f["key"] for f in batch["files"]] == ["incoming/a file.csv", "incoming/b.csv"]


def test_batch_ids_are_stable_names_and_run_ids():
    files = [{"key": "incoming/a.csv", "etag": "1"}]
    first = batcher.batch_id(files, 1_700_000_000)
    assert first == batcher.batch_id(files, 1_700_000_000)
    assert first != batcher.batch_id([{"key": "incoming/a.csv", "etag": "2"}], 1_700_000_000)
    assert first.startswith("b-20231114T221320Z-") and len(first) <= 80


def test_lambda_prefixes_match_the_stack_and_the_config():
    assert steps.BATCHES_PREFIX == names.BATCHES_PREFIX
    assert steps.RECORDS_PREFIX == names.BATCH_RECORDS_PREFIX
    assert {names.QUARANTINE_PREFIX, names.BATCHES_PREFIX, names.BATCH_RECORDS_PREFIX} <= set(
        RESERVED
    )


def test_the_local_twin_template_drops_what_moto_lacks_and_keeps_references_resolvable():
    template = build_template()
    reduced, skipped = for_moto(template)
    kinds = {r["Type"] for r in reduced["Resources"].values()}
    assert not kinds & MOTO_UNSUPPORTED and skipped
    text = json.dumps(reduced)
    for dropped in (s.split(" ")[0] for s in skipped):
        assert f'"Ref": "{dropped}"' not in text and f'"{dropped}"' not in json.dumps(
            [r.get("DependsOn") for r in reduced["Resources"].values()]
        )
    machine = reduced["Resources"]["PipelineStateMachine"]["Properties"]
    assert "Definition" not in machine and "DefinitionString" in machine
