"""The OpenAPI document: committed and current, and the app honours it under generated input.

schemathesis generates requests from the document (bounded and deterministic) and sends
them to the app over the real job output; no response may be a 5xx, and every response
must match the status codes and bodies the document declares.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api import openapi

COMMITTED = Path(openapi.__file__).parent / "openapi.json"


def test_committed_openapi_document_is_current() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == openapi.render(), (
        "api/openapi.json is stale: run `make openapi` and commit it"
    )


def test_document_declares_the_400_error_body_instead_of_422() -> None:
    document = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert "422" not in json.dumps(document["paths"])
    for path in ("/orders/{client_id}", "/sales-by-product", "/order-status-report"):
        responses = document["paths"][path]["get"]["responses"]
        not_found = {"404"} if path == "/orders/{client_id}" else set()
        assert set(responses) == {"200", "400", "502", "503", "504", *not_found}
        error_schema = responses["400"]["content"]["application/json"]["schema"]
        assert error_schema == {"$ref": "#/components/schemas/ErrorBody"}
    orders = document["paths"]["/orders/{client_id}"]["get"]
    assert "404" in orders["responses"]
    params = {p["name"]: p for p in orders["parameters"]}
    assert params["limit"]["schema"]["maximum"] == 500
    assert params["client_id"]["schema"]["pattern"] == "^[A-Za-z0-9_-]{1,64}$"


# Generated from the committed document (the one API Gateway imports); sent to the app over
# the real job output. (schemathesis' lazy ``from_fixture`` loader does not run on pytest 9.)
schema = schemathesis.openapi.from_dict(json.loads(COMMITTED.read_text(encoding="utf-8")))


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_generated_requests_get_no_server_error(case: Any, local_app: FastAPI) -> None:
    """All default checks but one: a schema-valid request may still be refused (400) when
    ``from`` is after ``to``, a rule across two parameters that OpenAPI cannot express."""
    case.call_and_validate(app=local_app, excluded_checks=[positive_data_acceptance])


def test_the_run_report_schema_is_the_contracts_shape() -> None:
    """/runs/latest documents the report the job writes: contract.runs declares it once."""
    from contract import runs

    schemas = openapi.document()["components"]["schemas"]
    for name in ("RunReport", "RunTotals", "RunCommit", "FileEntry"):
        shape = getattr(runs, name)
        assert set(schemas[name]["properties"]) == set(shape.__annotations__), name
        assert set(schemas[name].get("required", [])) == set(shape.__required_keys__), name
