"""Which engine and settings the app's requests get (api/dependencies.py): the backend the
settings name, and the app's own settings. No output, no AWS call: the Athena client is
only built."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.conftest import REGION


def test_the_athena_setting_selects_the_athena_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    client = TestClient(create_app(Settings(backend="athena", athena_workgroup="wg")))
    response = client.get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok", "backend": "athena"})


def test_any_other_backend_setting_is_the_local_one(tmp_path: Path) -> None:
    client = TestClient(create_app(Settings(output_path=str(tmp_path))))
    response = client.get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok", "backend": "local"})


def test_requests_read_the_apps_own_settings(tmp_path: Path) -> None:
    runs = tmp_path / "elsewhere"
    runs.mkdir()
    report = {"run_id": "r-1", "started_at": "2026-11-30T10:00:00+00:00"}
    (runs / "r-1.json").write_text(json.dumps(report), encoding="utf-8")
    client = TestClient(create_app(Settings(output_path=str(tmp_path), runs_path=str(runs))))
    response = client.get("/runs/latest")
    assert (response.status_code, response.json()) == (200, report)
    empty = TestClient(create_app(Settings(output_path=str(tmp_path))))
    response = empty.get("/runs/latest")
    assert (response.status_code, response.json()["error"]["code"]) == (404, "no_runs")
