"""The REST API's body: api/openapi.json as API Gateway imports it (the template's
AWS::ApiGateway::RestApi Body). Every operation is proxied to the API Lambda and protected
by an API key, plus the dashboard's page routes (same Lambda, no key: they serve static
files, no data). FastAPI writes OpenAPI 3.1 with JSON Schema 2020-12; API Gateway takes
OpenAPI 3.0 whose models are JSON Schema draft 4, so the body is downgraded and then
checked keyword by keyword (`unsupported_schema_keywords`)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
PERMISSION_SID = "apigateway-invoke"
# api/dashboard.py's routes are pages, not API operations, so api/openapi.json leaves them out.
# They are added here without the API key: they serve only the page's HTML, CSS and JS (all
# text, returned as text by Mangum, so no binary media types are needed); the page then asks
# its user for the key and sends it as `x-api-key` on its data calls.
PAGE_ROUTES: dict[str, str] = {
    "/": "dashboard_page",
    "/dashboard": "dashboard_page_named",
    "/static/{proxy+}": "dashboard_static_file",
}


def _downgrade(node: Any) -> Any:
    """OpenAPI 3.1 (FastAPI) -> 3.0 (API Gateway): `anyOf [X, null]` becomes nullable X,
    `const: v` becomes `enum: [v]`, `examples: [...]` becomes `example`."""
    if isinstance(node, list):
        return [_downgrade(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _downgrade(v) for k, v in node.items()}
    options = out.get("anyOf")
    if isinstance(options, list) and {"type": "null"} in options:
        rest = [o for o in options if o != {"type": "null"}]
        del out["anyOf"]
        out.update(rest[0] if len(rest) == 1 else {"anyOf": rest})
        out["nullable"] = True
    if "const" in out:
        out["enum"] = [out.pop("const")]
    if "examples" in out and isinstance(out["examples"], list):
        out["example"] = out.pop("examples")[0] if out["examples"] else None
    return out


def _page_operation(operation_id: str, path: str) -> dict[str, Any]:
    """A GET of the dashboard's page or one of its files, open to anyone (``security: []``)."""
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": "The dashboard page and its static files (no data, no API key)",
        "security": [],
        "responses": {"200": {"description": "HTML, CSS or JavaScript"}},
    }
    if "{proxy+}" in path:
        operation["parameters"] = [
            {"name": "proxy", "in": "path", "required": True, "schema": {"type": "string"}}
        ]
    return operation


def render_openapi(doc: dict[str, Any], function_arn: str, region: str) -> dict[str, Any]:
    """Add the Lambda proxy integration and API-key security to every operation, and the
    dashboard's page routes with the same integration but no key."""
    if not doc.get("paths"):
        raise ValueError("OpenAPI document has no paths")
    taken = sorted(set(PAGE_ROUTES) & set(doc["paths"]))
    if taken:
        raise ValueError(f"OpenAPI document defines the dashboard's routes {taken}")
    out = _downgrade(copy.deepcopy(doc))
    out["openapi"] = "3.0.1"
    uri = f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    integration = {
        "type": "aws_proxy",
        "httpMethod": "POST",
        "uri": uri,
        "passthroughBehavior": "when_no_match",
    }
    for operations in out["paths"].values():
        for method in METHODS:
            if method in operations:
                operations[method]["security"] = [{"api_key": []}]
                operations[method]["x-amazon-apigateway-integration"] = dict(integration)
    for path, operation_id in PAGE_ROUTES.items():
        page = _page_operation(operation_id, path)
        out["paths"][path] = {"get": {**page, "x-amazon-apigateway-integration": dict(integration)}}
    schemes = out.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes["api_key"] = {"type": "apiKey", "name": "x-api-key", "in": "header"}
    out["x-amazon-apigateway-api-key-source"] = "HEADER"
    return dict(out)


# JSON Schema draft 4 as API Gateway models take it, plus OpenAPI 3.0's schema extras.
DRAFT4_KEYWORDS = frozenset(
    {
        "$ref", "$schema", "id", "title", "description", "default", "multipleOf", "maximum",
        "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength", "minLength", "pattern",
        "additionalItems", "items", "maxItems", "minItems", "uniqueItems", "maxProperties",
        "minProperties", "required", "additionalProperties", "definitions", "properties",
        "patternProperties", "dependencies", "enum", "type", "format", "allOf", "anyOf",
        "oneOf", "not",
        # OpenAPI 3.0 Schema Object fields
        "nullable", "discriminator", "readOnly", "writeOnly", "xml", "externalDocs",
        "example", "deprecated",
    }
)  # fmt: skip


def _schemas(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every Schema Object of an OpenAPI 3.0 document, with its JSON path."""

    def walk(node: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
        if not isinstance(node, dict):
            return
        yield path, node
        for key in ("properties", "patternProperties", "definitions"):
            for name, child in (node.get(key) or {}).items():
                yield from walk(child, f"{path}.{key}.{name}")
        for key in ("items", "additionalProperties", "not", "additionalItems"):
            yield from walk(node.get(key), f"{path}.{key}")
        for key in ("allOf", "anyOf", "oneOf"):
            for i, child in enumerate(node.get(key) or []):
                yield from walk(child, f"{path}.{key}[{i}]")

    for name, schema in (doc.get("components", {}).get("schemas") or {}).items():
        yield from walk(schema, f"components.schemas.{name}")
    for route, operations in doc.get("paths", {}).items():
        for method, op in operations.items():
            if method not in METHODS:
                continue
            for i, param in enumerate(op.get("parameters", [])):
                yield from walk(param.get("schema"), f"{route}.{method}.parameters[{i}].schema")
            bodies = [("requestBody", op.get("requestBody") or {})] + [
                (f"responses.{code}", r) for code, r in op.get("responses", {}).items()
            ]
            for where, body in bodies:
                for media, content in (body.get("content") or {}).items():
                    yield from walk(content.get("schema"), f"{route}.{method}.{where}.{media}")


def unsupported_schema_keywords(doc: dict[str, Any]) -> list[str]:
    """`path: keyword` for every schema keyword API Gateway's draft-4 models reject."""
    return [
        f"{path}: {key}"
        for path, schema in _schemas(doc)
        for key in schema
        if key not in DRAFT4_KEYWORDS and not key.startswith("x-")
    ]
