"""One moto server per session (real HTTP on 127.0.0.1), reset between tests.

Every client in these tests is built with `endpoint_url` pointing at it and dummy
credentials, so nothing can reach real AWS.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import boto3
import pytest

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
