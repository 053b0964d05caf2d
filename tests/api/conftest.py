"""Fixtures for the API tests: the shared job run on data/sample (``sample_output`` of
tests/conftest.py), the app over its output, and a moto server on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.settings import Settings
from tests.api.helpers import pinned_app

RUN_ID = "sample-1"  # the run id tests/conftest.py gives the shared sample run


@pytest.fixture(scope="session")
def job_output(sample_output: Path) -> Path:
    """The shared job run on data/sample (tests/conftest.py); the API only reads it."""
    return sample_output


@pytest.fixture(scope="session")
def job_run(job_output: Path) -> dict[str, Any]:
    """That run's report, as the job wrote it."""
    report: dict[str, Any] = json.loads((job_output / "_runs" / f"{RUN_ID}.json").read_text())
    assert report["status"] == "succeeded", report
    return report


@pytest.fixture(scope="session")
def local_app(job_output: Path) -> FastAPI:
    return pinned_app(Settings(output_path=str(job_output)))


@pytest.fixture(scope="session")
def client(local_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(local_app) as test_client:
        yield test_client
