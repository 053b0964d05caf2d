"""One moto server per session (real HTTP on 127.0.0.1), reset between tests.

Every client in these tests is built with `endpoint_url` pointing at it and dummy
credentials, so nothing can reach real AWS.
"""

from __future__ import annotations

import logging
import socket
import urllib.request
from collections.abc import Iterator

import boto3
import pytest
from moto.s3.models import FakeBucket
from moto.server import ThreadedMotoServer

from scripts.local_moto import permission_over_tls

REGION = "eu-west-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    mp = pytest.MonkeyPatch()
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        mp.setenv(name, value)
    mp.delenv("AWS_PROFILE", raising=False)
    mp.setattr(FakeBucket, "get_permission", permission_over_tls)  # moto gap, see there
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    mp.setenv("AWS_ENDPOINT_URL", endpoint)  # belt and braces: boto3 honours it too
    yield endpoint
    server.stop()
    mp.undo()


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
