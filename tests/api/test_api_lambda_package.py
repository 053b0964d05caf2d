"""The API Lambda's zip (deploy/package.py) works on its own: unpacked into a temp dir and run
in a fresh interpreter where only the zip provides our packages and PySpark, DuckDB and
sqlglot cannot be imported (the Lambda has none of them), it answers API Gateway events
through the Athena backend against the moto server on 127.0.0.1."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path
from typing import Any

import boto3

from deploy.package import api_zip
from tests.api.helpers import RUNS, SALES_COLUMNS, api_gateway_event, queue_result
from tests.conftest import REGION

REPO = Path(__file__).resolve().parents[2]

# Runs in the child interpreter: our packages come only from the unpacked zip.
CHILD = """
import json, sys
from importlib.machinery import PathFinder

ROOT, OURS = sys.argv[1], {"api", "athena", "transforms", "lambdas", "glue_jobs", "deploy"}
ABSENT = {"pyspark", "duckdb", "sqlglot", "awsglue"}

class LambdaPackageOnly:
    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        if top in ABSENT:
            raise ImportError(f"{name} is not available in the Lambda")
        if top in OURS:
            spec = PathFinder.find_spec(name, path if path is not None else [ROOT])
            if spec is None:
                raise ImportError(f"{name} is not in the Lambda package")
            return spec
        return None

sys.meta_path.insert(0, LambdaPackageOnly())
from api.lambda_handler import handler
answers = [handler(event, None) for event in json.loads(sys.argv[2])]
with open(sys.argv[3], "w") as out:
    json.dump(answers, out)
"""


def run_package(tmp_path: Path, env: dict[str, str], events: list[dict]) -> list[dict]:
    """The handler's raw answers (statusCode, headers, body, isBase64Encoded) to ``events``."""
    root = tmp_path / "lambda"
    zipfile.ZipFile(io.BytesIO(api_zip(REPO, None))).extractall(root)
    answers = tmp_path / "answers.json"
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(root), json.dumps(events), str(answers)],
        cwd=root,
        env={**os.environ, **env},
        timeout=120,
        capture_output=True,
        text=True,
        check=False,
    )
    assert child.returncode == 0, child.stderr[-3000:]
    result: list[dict] = json.loads(answers.read_text())
    return result


def invoke_package(tmp_path: Path, env: dict[str, str], events: list[dict]) -> list[dict]:
    return [
        {"status": a["statusCode"], "body": json.loads(a["body"])}
        for a in run_package(tmp_path, env, events)
    ]


def test_packaged_api_lambda_serves_athena_and_s3_run_reports(
    tmp_path: Path, moto_endpoint: str
) -> None:
    workgroup, bucket = f"wg-{uuid.uuid4().hex[:8]}", f"processed-{uuid.uuid4().hex[:8]}"
    boto3.client("athena", endpoint_url=moto_endpoint).create_work_group(Name=workgroup)
    s3 = boto3.client("s3", endpoint_url=moto_endpoint)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=bucket, Key="_runs/r.json", Body=json.dumps(RUNS[1]).encode())
    queue_result(moto_endpoint, SALES_COLUMNS, [["P9", "phone", "2", "4.20", "1"]])
    env = {
        "DUFFBEER_API_BACKEND": "athena",
        "DUFFBEER_ATHENA_WORKGROUP": workgroup,
        "DUFFBEER_RUNS_PATH": f"s3://{bucket}/_runs/",
        "AWS_ENDPOINT_URL": moto_endpoint,
    }
    events = [
        api_gateway_event("/health"),
        api_gateway_event("/sales-by-product", {"channel": "phone"}),
        api_gateway_event("/runs/latest"),
        api_gateway_event("/orders/bad id"),
    ]
    health, sales, runs, bad = invoke_package(tmp_path, env, events)
    assert health == {"status": 200, "body": {"status": "ok", "backend": "athena"}}
    assert sales["status"] == 200
    assert sales["body"]["items"] == [
        {"product_id": "P9", "channel": "phone", "units": 2, "revenue": 4.2, "order_count": 1}
    ]
    assert runs == {"status": 200, "body": RUNS[1]}
    assert bad["status"] == 400


def test_package_holds_the_named_queries_but_not_pyspark_modules() -> None:
    names: Any = zipfile.ZipFile(io.BytesIO(api_zip(REPO, None))).namelist()
    assert {"athena/catalog.py", "athena/queries/orders_by_client.sql"} <= set(names)
    assert "athena/local.py" not in names and "transforms/tables.py" not in names


STATIC = REPO / "api" / "static"
TEXT_TYPES = {".html": "text/html", ".css": "text/css", ".js": "javascript"}


def page_event(path: str, public_path: str) -> dict[str, Any]:
    """A browser's GET through the page routes; ``public_path`` is the URL path with the stage."""
    event = api_gateway_event(path)
    event["headers"]["Accept"] = "text/html,*/*"
    event["resource"] = event["requestContext"]["resourcePath"] = (
        "/static/{proxy+}" if path.startswith("/static/") else path
    )
    event["requestContext"]["path"] = public_path
    return event


def test_package_ships_every_dashboard_file() -> None:
    names = set(zipfile.ZipFile(io.BytesIO(api_zip(REPO, None))).namelist())
    files = {p.relative_to(REPO).as_posix() for p in STATIC.rglob("*") if p.is_file()}
    assert "api/static/dashboard/index.html" in files and files <= names


def test_packaged_lambda_serves_the_page_and_its_files_as_text(
    tmp_path: Path, moto_endpoint: str
) -> None:
    """Through Mangum as API Gateway's proxy integration sees it: every file comes back as
    text (``isBase64Encoded`` false), so the REST API needs no binary media types."""
    assets = sorted(p for p in (STATIC / "dashboard").iterdir() if p.name != "index.html")
    events = [page_event("/", "/v1/"), page_event("/dashboard", "/v1/dashboard")]
    events += [page_event(f"/{p.relative_to(REPO / 'api').as_posix()}", "/v1/x") for p in assets]
    events.append(page_event("/", "/v1"))  # the stage root without its slash
    env = {
        "DUFFBEER_API_BACKEND": "athena",
        "DUFFBEER_ATHENA_WORKGROUP": "pages-need-no-query",
        "AWS_ENDPOINT_URL": moto_endpoint,
    }
    *served, bare_root = run_package(tmp_path, env, events)
    page = STATIC / "dashboard" / "index.html"
    for answer, path in zip(served, [page, page, *assets], strict=True):
        headers = {k.lower(): v for k, v in answer["headers"].items()}
        assert answer["statusCode"] == 200, path
        assert TEXT_TYPES[path.suffix] in headers["content-type"], path
        assert answer["isBase64Encoded"] is False, path
        assert answer["body"] == path.read_text(encoding="utf-8"), path
    assert "script-src 'self'" in served[0]["headers"]["content-security-policy"]
    assert bare_root["statusCode"] == 308
    assert bare_root["headers"]["location"] == "/v1/"
