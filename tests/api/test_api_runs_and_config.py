"""GET /runs/latest from a folder and from S3 (moto server); configuration; the Lambda handler."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ConfigError, Settings
from tests.api.helpers import RUNS, api_gateway_event
from tests.conftest import REGION, REPO


def test_latest_run_is_the_newest_start_and_skips_unreadable_files(tmp_path: Path) -> None:
    runs = tmp_path / "_runs"
    runs.mkdir()
    for run in RUNS:
        (runs / f"{run['run_id']}.json").write_text(json.dumps(run))
    (runs / "zz-broken.json").write_text("{not json")
    (runs / "zz-not-a-report.json").write_text('["a list"]')
    client = TestClient(create_app(Settings(output_path=str(tmp_path))))
    response = client.get("/runs/latest")
    assert response.status_code == 200
    assert response.json() == RUNS[0]  # a failed run is still the latest: dashboards show it


def test_no_run_reports_is_404(tmp_path: Path) -> None:
    client = TestClient(create_app(Settings(runs_path=str(tmp_path / "nothing"))))
    response = client.get("/runs/latest")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "no_runs"


def test_latest_run_is_read_from_s3(moto_endpoint: str) -> None:
    s3 = boto3.client("s3", endpoint_url=moto_endpoint)
    s3.create_bucket(
        Bucket="duffbeer-processed-orders",
        CreateBucketConfiguration={"LocationConstraint": REGION},
    )
    for run in RUNS:
        s3.put_object(
            Bucket="duffbeer-processed-orders",
            Key=f"_runs/{run['run_id']}.json",
            Body=json.dumps(run).encode(),
        )
    s3.put_object(Bucket="duffbeer-processed-orders", Key="_runs/nested/x.json", Body=b"{}")
    settings = Settings(
        runs_path="s3://duffbeer-processed-orders/_runs/", aws_endpoint_url=moto_endpoint
    )
    response = TestClient(create_app(settings)).get("/runs/latest")
    assert response.status_code == 200
    assert response.json()["run_id"] == "b-late-start"


def test_missing_bucket_is_a_clean_502(moto_endpoint: str) -> None:
    settings = Settings(runs_path="s3://no-such-bucket/_runs", aws_endpoint_url=moto_endpoint)
    response = TestClient(create_app(settings)).get("/runs/latest")
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "storage_error"


def test_settings_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "DUFFBEER_API_BACKEND": "athena",
            "DUFFBEER_ATHENA_WORKGROUP": "wg",
            "DUFFBEER_RUNS_PATH": "s3://b/_runs",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:1",
            "DUFFBEER_QUERY_TIMEOUT_SECONDS": "5",
        }
    )
    assert (settings.backend, settings.athena_workgroup, settings.athena_database) == (
        "athena",
        "wg",
        "duffbeer",
    )
    assert settings.resolved_runs_path == "s3://b/_runs"
    assert settings.aws_endpoint_url == "http://127.0.0.1:1"
    assert settings.query_timeout_seconds == 5
    assert Settings.from_env({}).backend == "local"
    assert Settings.from_env({"DUFFBEER_OUTPUT_PATH": "o/"}).resolved_runs_path == "o/_runs"


@pytest.mark.parametrize(
    "env",
    [
        {"DUFFBEER_API_BACKEND": "postgres"},
        {"DUFFBEER_API_BACKEND": "athena"},
        {"DUFFBEER_QUERY_TIMEOUT_SECONDS": "30"},
        {"DUFFBEER_QUERY_TIMEOUT_SECONDS": "soon"},
    ],
)
def test_unusable_configuration_fails_at_start_with_the_variable_named(env: dict) -> None:
    with pytest.raises(ConfigError, match="DUFFBEER_"):
        Settings.from_env(env)


LAMBDA_COLD_START = """
import json, sys
from api.lambda_handler import handler
for event in json.loads(sys.stdin.read()):
    print(json.dumps(handler(event, None)))
"""


def test_lambda_handler_serves_api_gateway_events(job_output: Path) -> None:
    """A cold start in its own interpreter: the module-level app is built from the
    environment there, and this test process's ``api.app`` is left as it was."""
    events = [
        api_gateway_event("/orders/C00101", {"limit": "1"}),
        api_gateway_event("/orders/C00101", {"channel": "x", "limit": "0"}),
    ]
    env = {**os.environ, "DUFFBEER_API_BACKEND": "local", "DUFFBEER_OUTPUT_PATH": str(job_output)}
    done = subprocess.run(
        [sys.executable, "-c", LAMBDA_COLD_START],
        input=json.dumps(events),
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
        check=True,
    )
    printed = [json.loads(line) for line in done.stdout.splitlines()]  # JSON logs and answers
    ok, bad = [line for line in printed if "statusCode" in line]
    assert ok["statusCode"] == 200
    body = json.loads(ok["body"])
    assert body["client_id"] == "C00101" and len(body["orders"]) == 1 and body["next_token"]
    assert bad["statusCode"] == 400
    assert json.loads(bad["body"])["error"]["code"] == "invalid_limit"
