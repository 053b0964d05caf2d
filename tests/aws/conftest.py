"""One moto server per session (real HTTP on 127.0.0.1), reset between tests.

Every client in these tests is built with `endpoint_url` pointing at it and dummy
credentials, so nothing can reach real AWS.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from scripts.deploy_job import main as deploy_main
from tests.aws.local_stack import Stack
from tests.conftest import REGION


@pytest.fixture
def moto(moto_endpoint: str) -> Iterator[str]:
    """A clean account for one test (POST /moto-api/reset)."""
    request = urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request) as response:
        assert response.status == 200
    yield moto_endpoint


@pytest.fixture
def session(moto: str) -> boto3.Session:
    return boto3.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name=REGION,
    )


@pytest.fixture
def client(session: boto3.Session, moto: str):  # type: ignore[no-untyped-def]
    """`client("s3")`: a boto3 client bound to the moto server."""

    def make(service: str):  # type: ignore[no-untyped-def]
        return session.client(service, endpoint_url=moto)

    return make


@pytest.fixture
def api_dependencies(tmp_path: Path) -> Path:
    """A pre-built API dependencies folder (the deploy config's ``api_dependencies_dir``), so
    a deploy zips it in instead of pip-installing FastAPI's Lambda wheels for every test.
    Everything else a deploy ships is the committed file (athena/ddl.sql, api/openapi.json,
    glue_jobs/process_orders.py, deploy/template.json): nothing else is overridden."""
    package = tmp_path / "api-deps" / "vendored_pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("VERSION = '1'\n")
    return package.parent


@pytest.fixture
def stack(moto: str, session: boto3.Session, client: Any, api_dependencies: Path) -> Stack:
    """The stack deployed on moto, Lambda's event source mappings off (the test plays them)."""
    argv = ["--endpoint-url", moto, "--set", f"api_dependencies_dir={api_dependencies}"]
    assert deploy_main(argv, session) == 0
    lam = client("lambda")
    for mapping in lam.list_event_source_mappings()["EventSourceMappings"]:
        lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)  # the test is the ESM
    deployed = Stack(client, moto)
    deployed.sqs.purge_queue(QueueUrl=deployed.queue_url)  # S3's s3:TestEvent
    return deployed
