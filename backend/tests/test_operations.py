"""Health, readiness, metrics, request ids, the error envelope, OpenAPI and logs."""

import logging
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.db.models import User
from app.main import create_app
from tests.conftest import PASSWORD, make_settings


def test_request_id_echoed_or_generated(client: TestClient) -> None:
    given = client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    generated = client.get("/health").headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    hostile = client.get("/health", headers={"X-Request-ID": "bad id <script>"})
    assert re.fullmatch(r"[0-9a-f]{32}", hostile.headers["x-request-id"])


def test_unknown_route_uses_envelope(client: TestClient) -> None:
    response = client.get("/api/v1/nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert "x-request-id" in response.headers


def test_validation_error_names_field(client: TestClient, admin_headers: dict[str, str]) -> None:
    response = client.post("/api/v1/projects", json={"name": ""}, headers=admin_headers)
    assert response.status_code == 422
    body = response.json()["error"]
    assert body["code"] == "validation_error" and body["details"][0]["field"] == "body.name"


def test_metrics_by_route_template(client: TestClient, admin_headers: dict[str, str]) -> None:
    client.get("/api/v1/users/me", headers=admin_headers)
    missing = "0b4e7f1a-5c1d-4f7e-9a52-3f0c8d6e2b19"
    client.get(f"/api/v1/projects/{missing}", headers=admin_headers)
    client.get("/api/v1/nope")
    text = client.get("/metrics").text
    assert 'http_requests_total{method="GET",route="/api/v1/users/me",status="200"}' in text
    assert 'route="/api/v1/projects/{project_id}",status="404"}' in text
    assert missing not in text and 'route="unmatched",status="404"}' in text
    assert "http_request_duration_seconds_bucket" in text
    assert "training_platform_build_info" in text


def test_metrics_can_be_disabled(database_url: str, tmp_path: Path) -> None:
    settings = make_settings(database_url, tmp_path, metrics_enabled=False)
    with TestClient(create_app(settings)) as client:
        assert client.get("/metrics").status_code == 404


def test_ready_reports_redis_failure(database_url: str, tmp_path: Path) -> None:
    settings = make_settings(database_url, tmp_path, redis_url="redis://127.0.0.1:1/0")
    with TestClient(create_app(settings)) as client:
        response = client.get("/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "ok"
    assert response.json()["checks"]["redis"].startswith("unreachable")


@pytest.mark.redis
def test_ready_with_redis(database_url: str, tmp_path: Path, redis_url: str) -> None:
    settings = make_settings(database_url, tmp_path, redis_url=redis_url)
    with TestClient(create_app(settings)) as client:
        assert client.get("/ready").json()["checks"] == {"database": "ok", "redis": "ok"}


def test_openapi_has_stable_operation_ids(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    ids = [op["operationId"] for path in spec["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids))
    assert {"login", "get_me", "list_projects", "list_audit_logs"} <= set(ids)
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in ids)


def test_no_password_or_secret_in_logs(
    client: TestClient,
    make_user: Callable[..., User],
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    make_user("loggy")
    client.post("/api/v1/auth/login", data={"username": "loggy", "password": "Wrong-password-77"})
    tokens = client.post(
        "/api/v1/auth/login", data={"username": "loggy", "password": PASSWORD}
    ).json()
    client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    captured = caplog.text + capsys.readouterr().out
    log_file = (settings.log_dir / "app.log").read_text(encoding="utf-8")
    assert "/api/v1/auth/login" in log_file
    for secret in (
        PASSWORD,
        "Wrong-password-77",
        tokens["refresh_token"],
        tokens["access_token"],
        settings.jwt_secret_key,
    ):
        assert secret not in captured
        assert secret not in log_file


def test_unexpected_error_is_500_envelope_with_request_id(
    database_url: str, tmp_path: Path
) -> None:
    app = create_app(make_settings(database_url, tmp_path))

    def explode() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/boom", explode)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom", headers={"X-Request-ID": "trace-42"})
        assert client.get("/health").status_code == 200
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "trace-42"
    assert response.json()["error"]["code"] == "internal_error"
    assert "secret internals" not in response.text
