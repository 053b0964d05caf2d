"""The post-deploy smoke test (deploy/smoke.py, `make smoke`) against the local twins: the
stack deployed on moto, the deployed state machine run locally whenever the smoke test
waits (playing Lambda's event source and Step Functions), and the API under uvicorn over
the sample's output (what the deployed API would answer once the run is in)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.settings import Settings
from deploy.smoke import ENDPOINTS, SmokeError, Target, smoke
from tests.aws.local_stack import INPUT, Stack
from tests.conftest import SAMPLE_DIR
from tests.servers import serve


def http_get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


@pytest.fixture(scope="module")
def api_url(sample_output: Path) -> Iterator[str]:
    from tests.api.helpers import pinned_app

    yield from (url + "/" for url in serve(pinned_app(Settings(output_path=str(sample_output)))))


def run_the_flow(stack: Stack) -> Any:
    """What AWS does while the smoke test waits: each window becomes executions, run."""

    def sleep(_: float) -> None:
        for batch in stack.window():
            (doc,) = [json.loads(e["input"]) for e in stack.executions() if e["name"] == batch]
            assert stack.flow().run(doc)[0] == "SUCCEEDED"

    return sleep


def test_the_smoke_test_uploads_the_sample_waits_for_its_batch_and_calls_the_endpoints(
    stack: Stack, api_url: str
) -> None:
    target = Target(INPUT, "incoming/", api_url)
    lines = smoke(stack.s3, http_get, target, SAMPLE_DIR, "t1", 60, sleep=run_the_flow(stack))
    assert lines[0] == f"uploaded 4 files under s3://{INPUT}/incoming/smoke-t1/"
    assert lines[1].startswith("batch b-") and lines[1].endswith(" succeeded")
    assert [line.split(":")[0] for line in lines[2:]] == [f"GET /{p}" for p in ENDPOINTS]
    assert all(": 200, " in line for line in lines[2:])
    staged = stack.keys("batches/")  # the legacy export lacks unit_price: quarantined
    assert len(staged) == 3 and all("/smoke-t1/" in key for key in staged)
    assert "quarantine/incoming/smoke-t1/2026-11-22_legacy_export.csv" in stack.keys("quarantine/")


def test_a_batch_that_never_ends_fails_the_smoke_test_after_its_timeout(
    stack: Stack, api_url: str
) -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:  # nothing processes the uploads
        now[0] += seconds

    target = Target(INPUT, "incoming/", api_url)
    with pytest.raises(
        SmokeError, match="4 of the 4 sample files are in no ended batch after 60 s"
    ):
        smoke(stack.s3, http_get, target, SAMPLE_DIR, "t2", 60, sleep=sleep, clock=lambda: now[0])


def test_an_endpoint_that_does_not_answer_200_fails_the_smoke_test_naming_it(
    stack: Stack, api_url: str
) -> None:
    def failing(url: str) -> tuple[int, Any]:
        if "sales-by-product" in url:
            return 502, {"error": {"code": "athena_failed"}}
        return http_get(url)

    target = Target(INPUT, "incoming/", api_url)
    with pytest.raises(SmokeError, match=r"GET /sales-by-product.*HTTP 502"):
        smoke(stack.s3, failing, target, SAMPLE_DIR, "t3", 60, sleep=run_the_flow(stack))
