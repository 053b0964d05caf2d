"""Fixtures for the API tests: one real job run on data/sample per session (on the shared
``spark`` session of tests/conftest.py), the app over its output, and a moto server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.sample_job import run_sample_job


@pytest.fixture(scope="session")
def job_run(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The Glue job, run once on data/sample into a temp folder; its run report."""
    return run_sample_job(tmp_path_factory)


@pytest.fixture(scope="session")
def job_output(job_run: dict[str, Any]) -> Path:
    return Path(job_run["output_path"])


@pytest.fixture(scope="session")
def local_app(job_output: Path) -> FastAPI:
    return create_app(Settings(output_path=str(job_output)))


@pytest.fixture(scope="session")
def client(local_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(local_app) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A real moto server on 127.0.0.1 (free port), with dummy credentials in the environment."""
    from moto.server import ThreadedMotoServer

    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        patch.delenv("AWS_PROFILE", raising=False)
        yield f"http://{host}:{port}"
    server.stop()
