"""AWS Lambda entry point behind API Gateway's proxy integration (REST or HTTP API)."""

from __future__ import annotations

from mangum import Mangum

from api.app import app
from contract.jsonlog import configure_logging

configure_logging()
# No ASGI lifespan: the app keeps no startup state, and Lambda freezes between requests.
handler = Mangum(app, lifespan="off")
