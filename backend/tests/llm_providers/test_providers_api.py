"""Provider administration over HTTP: admin only, prices, test connection, keys never shown."""

import logging
from collections.abc import Callable
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.core.config import Settings
from app.db.models import AuditLog, LLMProvider, User
from app.db.session import Database
from tests.conftest import login
from tests.llm_providers.teacher_server import TeacherServer

URL = "/api/v1/llm-providers"
KEY = "sk-live-ABCDEFGH1234567890zyxw"


def _create(client: TestClient, headers: dict[str, str], **fields: object) -> dict[str, object]:
    response = client.post(URL, json=fields, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _provider(teacher: TeacherServer, **fields: object) -> dict[str, object]:
    return {
        "name": "千问",
        "kind": "qwen",
        "base_url": teacher.base_url,
        "models": ["qwen-plus"],
        "api_key": KEY,
        "rpm_limit": 600,
        "concurrency": 8,
        "prices": [
            {
                "model": "qwen-plus",
                "input_per_m": "0.8",
                "output_per_m": "2",
                "currency": "CNY",
                "effective_from": "2026-01-01",
            }
        ],
        **fields,
    }


def test_create_read_update_and_test_connection(
    client: TestClient,
    admin_headers: dict[str, str],
    teacher: TeacherServer,
    allow_loopback: Settings,
) -> None:
    body = _create(client, admin_headers, **_provider(teacher))
    assert body["has_key"] is True and body["key_source"] == "stored"
    assert body["key_last4"] == "zyxw"
    assert Decimal(body["prices"][0]["cached_input_per_m"]) == Decimal("0.8")
    pid = body["id"]

    price = client.post(
        f"{URL}/{pid}/prices",
        json={
            "model": "qwen-plus",
            "input_per_m": "0.6",
            "cached_input_per_m": "0.12",
            "output_per_m": "1.5",
            "currency": "CNY",
            "effective_from": "2026-06-01",
        },
        headers=admin_headers,
    )
    assert price.status_code == 201, price.text
    unknown = client.post(
        f"{URL}/{pid}/prices",
        json={
            "model": "gpt-9",
            "input_per_m": "1",
            "output_per_m": "1",
            "currency": "USD",
            "effective_from": "2026-06-01",
        },
        headers=admin_headers,
    )
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "price_unknown_model"

    tested = client.post(f"{URL}/{pid}/test", headers=admin_headers).json()
    assert tested["ok"] is True and tested["method"] == "list_models"
    assert "qwen-plus" in tested["models"]
    assert teacher.auth_headers[-1] == f"Bearer {KEY}"

    teacher.list_models = False
    tested = client.post(f"{URL}/{pid}/test", headers=admin_headers).json()
    assert tested["ok"] is True and tested["method"] == "completion"

    patched_r = client.patch(
        f"{URL}/{pid}", json={"clear_api_key": True, "concurrency": 2}, headers=admin_headers
    )
    assert patched_r.status_code == 200, patched_r.text
    patched = patched_r.json()
    assert patched["has_key"] is False and patched["key_last4"] is None
    assert patched["concurrency"] == 2
    assert len(client.get(URL, headers=admin_headers).json()) == 1


def test_failed_connection_is_reported_not_raised(
    client: TestClient,
    admin_headers: dict[str, str],
    teacher: TeacherServer,
    allow_loopback: Settings,
) -> None:
    pid = _create(client, admin_headers, **_provider(teacher))["id"]
    teacher.script.extend(["402"])
    tested = client.post(f"{URL}/{pid}/test", headers=admin_headers).json()
    assert tested["ok"] is False and tested["error_code"] == "provider_http_402"
    teacher.stop()
    tested = client.post(f"{URL}/{pid}/test", headers=admin_headers).json()
    assert tested["ok"] is False and tested["error_code"] == "provider_unreachable"


def test_preset_settings_key_and_validation(
    client: TestClient,
    admin_headers: dict[str, str],
    teacher: TeacherServer,
    allow_loopback: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(allow_loopback, "deepseek_api_key", "sk-from-settings-0000")
    body = _create(
        client,
        admin_headers,
        **_provider(teacher, name="深度求索", kind="deepseek", api_key=None, prices=[]),
    )
    assert body["key_source"] == "settings" and body["key_last4"] is None
    no_url = client.post(
        URL,
        json={"name": "x", "kind": "openai_compatible", "models": ["m"]},
        headers=admin_headers,
    )
    assert no_url.status_code == 422 and no_url.json()["error"]["code"] == "base_url_required"
    dup = client.post(URL, json=_provider(teacher, name="深度求索"), headers=admin_headers)
    assert dup.status_code == 409
    extra = client.post(URL, json=_provider(teacher, name="y", secret=1), headers=admin_headers)
    assert extra.status_code == 422
    wide = client.post(
        URL, json=_provider(teacher, name="z", api_key="密钥"), headers=admin_headers
    )
    assert wide.status_code == 422
    assert wide.json()["error"]["details"][0]["field"] == "body.api_key"


def test_members_cannot_see_providers(
    client: TestClient,
    admin_headers: dict[str, str],
    make_user: Callable[..., User],
    teacher: TeacherServer,
    allow_loopback: Settings,
) -> None:
    pid = _create(client, admin_headers, **_provider(teacher))["id"]
    make_user("member1")
    member = login(client, "member1")
    assert client.get(URL, headers=member).status_code == 403
    assert client.get(f"{URL}/{pid}", headers=member).status_code == 403
    assert client.post(f"{URL}/{pid}/test", headers=member).status_code == 403
    missing = client.get(f"{URL}/00000000-0000-0000-0000-000000000000", headers=admin_headers)
    assert missing.status_code == 404
    assert client.delete(f"{URL}/{pid}", headers=admin_headers).status_code == 204


def test_members_list_teachers_with_todays_price_and_nothing_secret(
    client: TestClient,
    admin_headers: dict[str, str],
    make_user: Callable[..., User],
    teacher: TeacherServer,
    allow_loopback: Settings,
) -> None:
    fields = _provider(teacher, models=["qwen-plus", "qwen-max"])
    fields["prices"] = [
        *fields["prices"],  # type: ignore[list-item]
        {
            "model": "qwen-plus",
            "input_per_m": "9",
            "output_per_m": "9",
            "currency": "CNY",
            "effective_from": "2999-01-01",
        },
    ]
    pid = _create(client, admin_headers, **fields)["id"]
    make_user("author1")
    response = client.get(f"{URL}/teachers", headers=login(client, "author1"))
    assert response.status_code == 200, response.text
    [option] = response.json()
    assert option["id"] == pid and option["kind"] == "qwen"
    assert set(option) == {"id", "name", "kind", "models"}
    plus, max_ = option["models"]
    assert plus["model"] == "qwen-plus" and Decimal(plus["price"]["input_per_m"]) == Decimal("0.8")
    assert plus["price"]["currency"] == "CNY"
    assert max_ == {"model": "qwen-max", "price": None}
    assert KEY not in response.text and teacher.base_url not in response.text
    assert client.get(f"{URL}/teachers").status_code == 401


def test_key_never_in_responses_logs_audit_or_database(
    client: TestClient,
    admin_headers: dict[str, str],
    teacher: TeacherServer,
    allow_loopback: Settings,
    db: Database,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    texts = []
    created = client.post(URL, json=_provider(teacher), headers=admin_headers)
    texts.append(created.text)
    pid = created.json()["id"]
    teacher.script.extend(["402"])
    for method, path, payload in [
        ("get", f"{URL}/{pid}", None),
        ("get", URL, None),
        ("post", f"{URL}/{pid}/test", None),
        ("post", f"{URL}/{pid}/test", None),
        ("patch", f"{URL}/{pid}", {"api_key": KEY[::-1]}),
    ]:
        texts.append(client.request(method, path, json=payload, headers=admin_headers).text)
    texts.append(client.get("/api/v1/audit-logs", headers=admin_headers).text)
    with db.session_scope() as session:
        audits = [str(a.details) for a in session.scalars(select(AuditLog))]
        stored = session.scalars(select(LLMProvider)).one()
        stored_values = [str(getattr(stored, c.key)) for c in LLMProvider.__table__.columns]
    captured = caplog.text + capsys.readouterr().out
    assert any(h == f"Bearer {KEY}" for h in teacher.auth_headers)
    for secret in (KEY, KEY[::-1], KEY[:12], KEY[::-1][:12]):
        for text in [*texts, *audits, *stored_values, captured]:
            assert secret not in text
