"""The REST API: api/openapi.json imported into API Gateway, every operation proxied
to the API Lambda and protected by an API key with a usage plan (throttle + quota), plus
the dashboard's page routes (same Lambda, no key: they serve static files, no data)."""

from __future__ import annotations

import copy
import json
from typing import Any

from botocore.exceptions import ClientError

from deploy.context import ABSENT, CREATE, DELETE, Context

STATE_KEY = "deploy-state/api/openapi.json"
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
    """OpenAPI 3.1 (FastAPI) -> 3.0 (API Gateway): `anyOf [X, null]` becomes nullable X."""
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


def _find(items: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    return next((i for i in items if i.get("name") == name), None)


def rest_api(ctx: Context) -> dict[str, Any] | None:
    return _find(ctx.client("apigateway").get_rest_apis(limit=500)["items"], ctx.names.rest_api)


def _applied(ctx: Context) -> Any:
    try:
        body = ctx.client("s3").get_object(Bucket=ctx.config.artifacts_bucket, Key=STATE_KEY)
    except ClientError:
        return None
    return json.loads(body["Body"].read())


def ensure_rest_api(ctx: Context) -> str | None:
    """Import (or overwrite) the API and deploy the stage; returns the API id."""
    apigw, cfg = ctx.client("apigateway"), ctx.config
    path = cfg.path(cfg.openapi_path)
    if not path.is_file():
        raise FileNotFoundError(f"OpenAPI document not found: {path}")
    source = json.loads(path.read_text(encoding="utf-8"))
    info = source.setdefault("info", {})
    info["title"] = ctx.names.rest_api
    info.setdefault("description", "DuffBeer orders API")
    desired = render_openapi(source, ctx.names.function_arn(ctx.names.api_function), cfg.region)
    body = json.dumps(desired, sort_keys=True).encode()
    found = rest_api(ctx)
    api_id: str | None = found["id"] if found else None

    def publish(create: bool) -> None:
        nonlocal api_id
        if create:
            api_id = apigw.import_rest_api(
                body=body, parameters={"endpointConfigurationTypes": "REGIONAL"}
            )["id"]
        else:
            apigw.put_rest_api(restApiId=api_id, mode="overwrite", body=body)
        apigw.create_deployment(restApiId=api_id, stageName=cfg.api_stage)
        ctx.client("s3").put_object(
            Bucket=cfg.artifacts_bucket, Key=STATE_KEY, Body=body, ServerSideEncryption="AES256"
        )

    ctx.converge(
        "apigateway:rest-api",
        ctx.names.rest_api,
        _applied(ctx) if found else None,
        desired,
        lambda: publish(True),
        lambda: publish(False),
    )
    return api_id


def ensure_invoke_permission(ctx: Context, api_id: str | None) -> None:
    lam, n = ctx.client("lambda"), ctx.names
    source = f"arn:aws:execute-api:{n.region}:{n.account}:{api_id or 'NEW'}/*/*/*"
    try:
        policy = json.loads(lam.get_policy(FunctionName=n.api_function)["Policy"])
        current = next((s for s in policy["Statement"] if s.get("Sid") == PERMISSION_SID), None)
    except ClientError:
        current = None
    desired = {"Condition": {"ArnLike": {"AWS:SourceArn": source}}}

    def add() -> None:
        lam.add_permission(
            FunctionName=n.api_function,
            StatementId=PERMISSION_SID,
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=source,
        )

    def replace() -> None:
        lam.remove_permission(FunctionName=n.api_function, StatementId=PERMISSION_SID)
        add()

    ctx.converge(
        "lambda:permission", f"{n.api_function}/{PERMISSION_SID}", current, desired, add, replace
    )


def ensure_usage_plan(ctx: Context, api_id: str | None) -> None:
    """An API key, and a usage plan binding it to the stage with throttle and daily quota."""
    apigw, cfg, n = ctx.client("apigateway"), ctx.config, ctx.names
    key = _find(apigw.get_api_keys(nameQuery=n.api_key, limit=500)["items"], n.api_key)
    ctx.converge(
        "apigateway:api-key",
        n.api_key,
        key,
        {"enabled": True},
        lambda: apigw.create_api_key(name=n.api_key, enabled=True),
        lambda: apigw.update_api_key(
            apiKey=key["id"] if key else "",
            patchOperations=[{"op": "replace", "path": "/enabled", "value": "true"}],
        ),
    )
    desired = {
        "name": n.usage_plan,
        "apiStages": [{"apiId": api_id or "NEW", "stage": cfg.api_stage}],
        "throttle": {"rateLimit": cfg.api_rate_limit, "burstLimit": cfg.api_burst_limit},
        "quota": {"limit": cfg.api_quota_per_day, "period": "DAY"},
    }
    plan = _find(apigw.get_usage_plans(limit=500)["items"], n.usage_plan)
    patch = [
        {"op": "replace", "path": "/throttle/rateLimit", "value": str(cfg.api_rate_limit)},
        {"op": "replace", "path": "/throttle/burstLimit", "value": str(cfg.api_burst_limit)},
        {"op": "replace", "path": "/quota/limit", "value": str(cfg.api_quota_per_day)},
    ]
    if plan and desired["apiStages"] != plan.get("apiStages"):
        patch.append({"op": "add", "path": "/apiStages", "value": f"{api_id}:{cfg.api_stage}"})
    action = ctx.converge(
        "apigateway:usage-plan",
        n.usage_plan,
        plan,
        desired,
        lambda: apigw.create_usage_plan(**desired),
        lambda: apigw.update_usage_plan(
            usagePlanId=plan["id"] if plan else "", patchOperations=patch
        ),
    )
    if ctx.dry_run or (action == CREATE and plan is None):
        plan = _find(apigw.get_usage_plans(limit=500)["items"], n.usage_plan)
        key = _find(apigw.get_api_keys(nameQuery=n.api_key, limit=500)["items"], n.api_key)
    if plan and key:
        bound = {k["id"] for k in apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"]}
        if key["id"] not in bound:
            ctx.record("apigateway:usage-plan-key", n.api_key, CREATE)
            if not ctx.dry_run:
                apigw.create_usage_plan_key(
                    usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY"
                )
    elif ctx.dry_run:
        ctx.record("apigateway:usage-plan-key", n.api_key, CREATE)


def ensure_api(ctx: Context) -> None:
    api_id = ensure_rest_api(ctx)
    ensure_invoke_permission(ctx, api_id)
    ensure_usage_plan(ctx, api_id)


def teardown_api(ctx: Context) -> None:
    apigw, n = ctx.client("apigateway"), ctx.names
    plan = _find(apigw.get_usage_plans(limit=500)["items"], n.usage_plan)
    ctx.record("apigateway:usage-plan", n.usage_plan, DELETE if plan else ABSENT)
    if plan and not ctx.dry_run:
        for key in apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"]:
            apigw.delete_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"])
        apigw.delete_usage_plan(usagePlanId=plan["id"])
    key = _find(apigw.get_api_keys(nameQuery=n.api_key, limit=500)["items"], n.api_key)
    ctx.record("apigateway:api-key", n.api_key, DELETE if key else ABSENT)
    if key and not ctx.dry_run:
        apigw.delete_api_key(apiKey=key["id"])
    found = rest_api(ctx)
    ctx.record("apigateway:rest-api", n.rest_api, DELETE if found else ABSENT)
    if found and not ctx.dry_run:
        apigw.delete_rest_api(restApiId=found["id"])
