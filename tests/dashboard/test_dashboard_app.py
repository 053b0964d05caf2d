"""How the app serves the dashboard (no browser needed): the page, its assets, its headers,
and that neither the page nor a package without it disturbs the API."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.routes import dashboard
from api.settings import Settings

ASSET = re.compile(r'(?:src|href)="(static/[^"]+)"')


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    return TestClient(create_app(Settings(output_path=str(tmp_path_factory.mktemp("none")))))


@pytest.mark.parametrize("path", ["/", "/dashboard"])
def test_page_is_html_that_may_load_only_from_its_own_origin(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "http" not in response.text.replace('href="docs"', "")  # no CDN, no absolute URL


def test_every_asset_the_page_and_its_modules_name_is_served(client: TestClient) -> None:
    page = client.get("/").text
    assets = set(ASSET.findall(page))
    modules = sorted(p.name for p in (dashboard.STATIC_DIR / "dashboard").glob("*.js"))
    assets |= {f"static/dashboard/{name}" for name in modules}
    for asset in sorted(assets):
        response = client.get(f"/{asset}")
        assert response.status_code == 200, asset
        kind = "text/css" if asset.endswith(".css") else "text/javascript"
        assert response.headers["content-type"].startswith(kind), asset
    for name in modules:  # every relative import of a module is one of the served files
        source = (dashboard.STATIC_DIR / "dashboard" / name).read_text(encoding="utf-8")
        for imported in re.findall(r'from "\./([^"]+)"', source):
            assert imported in modules, (name, imported)


def test_page_routes_are_not_api_operations(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not {"/", "/dashboard"} & set(paths)
    assert not [p for p in paths if p.startswith("/static")]


def test_unknown_asset_is_the_api_404_body(client: TestClient) -> None:
    response = client.get("/static/dashboard/../../app.py")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_package_without_the_assets_still_serves_the_api(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(dashboard, "STATIC_DIR", tmp_path / "absent")
    monkeypatch.setattr(dashboard, "PAGE", tmp_path / "absent" / "index.html")
    client = TestClient(create_app(Settings(output_path=str(tmp_path))))
    assert client.get("/health").json()["status"] == "ok"
    response = client.get("/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "dashboard_missing"
    assert client.get("/static/dashboard/app.js").status_code == 404
