"""HTTP routes through Flask's test client: UI, health, info, Host check, headers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend import Settings
from backend.app import create_app


@pytest.fixture
def ui_dist(tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>Parley</title><div id=root></div>")
    (dist / "assets" / "app.js").write_text("console.log('ui')")
    return dist


@pytest.fixture
def app(settings: Settings, ui_dist: Path) -> Iterator[Flask]:
    app = create_app(settings.replace(ui_dist=ui_dist))
    yield app
    app.extensions["parley"].db.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_index_has_csp_and_security_headers(client: FlaskClient) -> None:
    response = client.get("/", headers={"Host": "127.0.0.1:7275"})
    assert response.status_code == 200 and b"<div id=root>" in response.data
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp
    assert "connect-src 'self' ws://127.0.0.1:7275" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_assets_and_no_escape_from_dist(client: FlaskClient) -> None:
    assert client.get("/assets/app.js").status_code == 200
    assert client.get("/../secret_key").status_code == 404
    assert client.get("/assets/%2e%2e/%2e%2e/data/secret_key").status_code == 404


def test_health_and_info(client: FlaskClient, settings: Settings) -> None:
    assert client.get("/healthz").json == {"ok": True}
    info = client.get("/api/info").json
    assert info["name"] == settings.name and info["needs_code"] is True
    assert info["max_upload_bytes"] == settings.max_upload_bytes
    assert "code" not in info and "owner" not in str(info)


def test_foreign_host_header_is_refused(client: FlaskClient) -> None:
    for host in ("evil.example", "evil.example:7275", "127.0.0.1.evil.example"):
        response = client.get("/healthz", headers={"Host": host})
        assert response.status_code == 421 and response.json["error"]["code"] == "forbidden"


def test_missing_ui_says_how_to_build(settings: Settings, tmp_path: Path) -> None:
    app = create_app(settings.replace(ui_dist=tmp_path / "nothing"))
    try:
        response = app.test_client().get("/")
        assert response.status_code == 503 and b"make run" in response.data
    finally:
        app.extensions["parley"].db.close()


def test_hosts_and_selfcheck_with_discovery_off(client: FlaskClient) -> None:
    assert client.get("/api/hosts").json == {"discovery": False, "hosts": []}
    check = client.get("/api/selfcheck").json
    assert check["discovery"] is False and check["advertising"] is False
    assert check["listening"]["host"] == "127.0.0.1"
    assert [a["answers"] for a in check["addresses"]] == [False]  # this test app never listened
