"""The built console is served at `/` with a SPA fallback, never shadowing the backend."""

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.conftest import make_settings

INDEX = "<!doctype html><title>console</title><div id=root></div>"


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    """A minimal built console: index.html, one hashed asset, one root file."""
    folder = tmp_path / "dist"
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text(INDEX, encoding="utf-8")
    (folder / "assets" / "index-abc123.js").write_text("console.log(1)", encoding="utf-8")
    (folder / "favicon.svg").write_text("<svg/>", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("do not serve", encoding="utf-8")
    return folder


@pytest.fixture
def web(database_url: str, tmp_path: Path, dist: Path) -> Iterator[TestClient]:
    """An app in embedded mode serving `dist`."""
    settings = make_settings(database_url, tmp_path, serve_frontend=True, frontend_dist=dist)
    with TestClient(create_app(settings)) as client:
        yield client


def test_root_and_client_routes_get_index(web: TestClient) -> None:
    for path in ("/", "/datasets", "/jobs/5f0c/detail", "/login?next=/models"):
        response = web.get(path)
        assert response.status_code == 200, path
        assert response.text == INDEX
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["cache-control"] == "no-cache"


def test_assets_are_served_with_long_cache(web: TestClient) -> None:
    response = web.get("/assets/index-abc123.js")
    assert response.status_code == 200
    assert response.text == "console.log(1)"
    assert "immutable" in response.headers["cache-control"]
    assert web.get("/favicon.svg").text == "<svg/>"


def test_missing_asset_is_404_not_index(web: TestClient) -> None:
    response = web.get("/assets/gone-123.js")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "asset_not_found"


def test_backend_paths_are_not_shadowed(web: TestClient) -> None:
    assert web.get("/health").json() == {"status": "ok"}
    assert web.get("/api/v1/openapi.json").json()["info"]["title"] == "Training Platform API"
    for path in (
        "/api/v1/no-such-thing",
        "/api",
        "/ws/jobs/1",
        "/healthz/../health/x",
        "/v1/models",
        "/v1/no-such-thing",
        "/v1",
    ):
        response = web.get(path)
        assert response.status_code in (401, 404), path
        assert "html" not in response.headers["content-type"], path
    assert web.post("/api/v1/no-such-thing").status_code == 404
    assert web.get("/api/v1/users/me").status_code == 401
    assert web.get("/v1/models").json()["error"]["code"] == "invalid_api_key"


def test_paths_outside_dist_are_never_served(web: TestClient) -> None:
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/assets/../../secret.txt"):
        response = web.get(path)
        assert "do not serve" not in response.text, path


def test_console_off_when_disabled_or_not_built(
    database_url: str, tmp_path: Path, dist: Path
) -> None:
    off = make_settings(database_url, tmp_path, serve_frontend=False, frontend_dist=dist)
    missing = make_settings(
        database_url, tmp_path, serve_frontend=True, frontend_dist=tmp_path / "nothing"
    )
    for settings in (off, missing):
        with TestClient(create_app(settings)) as client:
            assert client.get("/").status_code == 404
            assert client.get("/health").status_code == 200


def test_precompressed_twins_are_sent_when_accepted(web: TestClient, dist: Path) -> None:
    asset = dist / "assets" / "index-abc123.js"
    asset.with_name(asset.name + ".gz").write_bytes(gzip.compress(asset.read_bytes()))
    asset.with_name(asset.name + ".br").write_bytes(b"brotli-bytes")

    headers = {"Accept-Encoding": "gzip, br"}
    with web.stream("GET", "/assets/index-abc123.js", headers=headers) as as_br:
        assert as_br.headers["content-encoding"] == "br"
        assert as_br.headers["content-type"].startswith("text/javascript")
        assert as_br.headers["vary"] == "Accept-Encoding"
        assert b"".join(as_br.iter_raw()) == b"brotli-bytes"

    as_gzip = web.get("/assets/index-abc123.js", headers={"Accept-Encoding": "gzip, br;q=0"})
    assert as_gzip.headers["content-encoding"] == "gzip"
    assert as_gzip.text == "console.log(1)"

    plain = web.get("/assets/index-abc123.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.text == "console.log(1)"


def test_index_without_twin_is_sent_plain(web: TestClient) -> None:
    response = web.get("/datasets", headers={"Accept-Encoding": "gzip, br"})
    assert "content-encoding" not in response.headers
    assert response.text == INDEX
