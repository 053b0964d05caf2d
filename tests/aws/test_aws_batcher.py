"""The batcher's pure parts and the pipeline Lambdas' constants (no AWS)."""

from __future__ import annotations

import itertools
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


def _long_key(n: int) -> str:
    """An upload key of about 960 UTF-8 bytes, accents included (S3 allows 1,024; staging
    adds ~60 bytes of batches/<batch>/<upload time>/)."""
    return f"incoming/año 2026/{n:05d}-" + "ñ" * 300 + "x" * 330 + ".csv"


def test_the_largest_window_is_cut_into_executions_that_each_fit_step_functions_limits():
    """The most messages one batcher call can get (BatchSize 10,000) with keys near S3's
    length limit: every file is in exactly one execution, in upload order, and no
    execution's largest state can pass 256 KiB or its history 25,000 events."""
    from urllib.parse import quote_plus

    from deploy.config import MAX_BATCH_FILES

    items = [
        (quote_plus(_long_key(n)), f"e{n:031d}", f"2026-11-30T10:{n // 600:02d}:00.000Z")
        for n in range(MAX_BATCH_FILES)
    ]
    assert len(_long_key(0).encode()) > 950
    batches = batcher.uploads(s3_event(*items), "incoming/")
    files = [f["key"] for batch in batches for f in batch["files"]]
    assert files == [_long_key(n) for n in range(MAX_BATCH_FILES)]
    budget = batcher.MAX_STATE_BYTES - batcher.STATE_RESERVE_BYTES
    for batch in batches:
        assert sum(map(batcher.state_bytes, batch["files"])) <= budget
        assert len(batch["files"]) <= batcher.MAX_FILES_PER_EXECUTION
    assert len(batches) > 50  # ~90 such files fit one execution
    # A redelivery of the same window (messages in another order) cuts it the same way, so
    # every execution gets the same name again and none starts twice.
    again = batcher.uploads(s3_event(*reversed(items)), "incoming/")
    assert again == batches
    ids = [batcher.batch_id(b["files"], 0) for b in batches]
    assert ids == [batcher.batch_id(b["files"], 0) for b in again] and len(set(ids)) == len(ids)
    # Short keys: the payload bound still binds first (~680 files), and each execution but
    # the last is as full as it can be.
    short = [(f"incoming/{n}.csv", f"e{n:031d}", "2026-11-30T10:00:00.000Z") for n in range(2500)]
    cut = batcher.uploads(s3_event(*short), "incoming/")
    assert sum(len(b["files"]) for b in cut) == 2500 and len(cut) > 3
    for batch, after in itertools.pairwise(cut):
        used = sum(map(batcher.state_bytes, batch["files"]))
        assert used + batcher.state_bytes(after["files"][0]) > budget
