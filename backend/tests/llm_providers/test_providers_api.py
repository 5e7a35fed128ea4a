"""Provider administration over HTTP: admin only, prices, test connection, keys never shown."""

import logging
import uuid
from collections.abc import Callable
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.core.config import Settings
from app.db.models import AuditLog, LLMProvider, User
from app.db.session import Database
from app.llm_providers.client import TeacherClient
from app.llm_providers.netguard import Allowlist
from app.llm_providers.service import provider_config
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


def test_limits_cleared_to_unlimited_with_null_and_kept_when_omitted(
    client: TestClient,
    admin_headers: dict[str, str],
    teacher: TeacherServer,
    allow_loopback: Settings,
    db: Database,
) -> None:
    pid = _create(client, admin_headers, **_provider(teacher, tpm_limit=90_000))["id"]
    kept = client.patch(f"{URL}/{pid}", json={"name": "千问2"}, headers=admin_headers).json()
    assert (kept["rpm_limit"], kept["tpm_limit"], kept["concurrency"]) == (600, 90_000, 8)

    cleared = client.patch(
        f"{URL}/{pid}",
        json={"rpm_limit": None, "tpm_limit": None, "concurrency": None},
        headers=admin_headers,
    )
    assert cleared.status_code == 200, cleared.text
    body = cleared.json()
    assert (body["rpm_limit"], body["tpm_limit"], body["concurrency"]) == (None, None, None)
    assert client.get(f"{URL}/{pid}", headers=admin_headers).json()["concurrency"] is None
    with db.session_scope() as session:
        stored = session.get_one(LLMProvider, uuid.UUID(pid))
        assert (stored.rpm_limit, stored.tpm_limit, stored.concurrency) == (None, None, None)
        config = provider_config(allow_loopback, stored)
    pacer = TeacherClient(config, Allowlist.parse("127.0.0.1")).pacer
    assert pacer.slots is None and pacer.requests is None and pacer.tokens is None

    limited = client.patch(
        f"{URL}/{pid}", json={"rpm_limit": 60, "concurrency": 2}, headers=admin_headers
    ).json()
    assert (limited["rpm_limit"], limited["tpm_limit"], limited["concurrency"]) == (60, None, 2)
    for field in ("name", "models", "api_key", "clear_api_key"):
        refused = client.patch(f"{URL}/{pid}", json={field: None}, headers=admin_headers)
        assert refused.status_code == 422, (field, refused.text)
        assert refused.json()["error"]["details"][0]["field"] == f"body.{field}"
    zero = client.patch(f"{URL}/{pid}", json={"concurrency": 0}, headers=admin_headers)
    assert zero.status_code == 422
    unlimited = _create(client, admin_headers, **_provider(teacher, name="无限", concurrency=None))
    assert unlimited["concurrency"] is None and unlimited["rpm_limit"] == 600
    with db.session_scope() as session:
        audits = session.scalars(
            select(AuditLog).where(AuditLog.action == "llm_provider.update")
        ).all()
        assert ["concurrency", "rpm_limit", "tpm_limit"] in [a.details["fields"] for a in audits]


def _price_body(**fields: object) -> dict[str, object]:
    return {
        "model": "qwen-plus",
        "input_per_m": "0.6",
        "output_per_m": "1.5",
        "currency": "CNY",
        "effective_from": "2026-06-01",
        **fields,
    }


def test_prices_edited_and_deleted_by_admins_validated_and_audited(
    client: TestClient,
    admin_headers: dict[str, str],
    make_user: Callable[..., User],
    teacher: TeacherServer,
    allow_loopback: Settings,
    db: Database,
) -> None:
    provider = _create(
        client, admin_headers, **_provider(teacher, models=["qwen-plus", "qwen-max"])
    )
    pid = provider["id"]
    first = provider["prices"][0]["id"]  # type: ignore[index]
    added = client.post(f"{URL}/{pid}/prices", json=_price_body(), headers=admin_headers).json()
    price_url = f"{URL}/{pid}/prices/{added['id']}"

    edited = client.patch(
        price_url,
        json={"input_per_m": "0.5", "cached_input_per_m": "0.1", "currency": "USD"},
        headers=admin_headers,
    )
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert Decimal(body["input_per_m"]) == Decimal("0.5")
    assert Decimal(body["cached_input_per_m"]) == Decimal("0.1")
    assert Decimal(body["output_per_m"]) == Decimal("1.5") and body["currency"] == "USD"
    same_as_input = client.patch(
        price_url, json={"input_per_m": "0.7", "cached_input_per_m": None}, headers=admin_headers
    ).json()
    assert Decimal(same_as_input["cached_input_per_m"]) == Decimal("0.7")
    moved = client.patch(
        price_url, json={"model": "qwen-max", "effective_from": "2026-01-01"}, headers=admin_headers
    )
    assert moved.status_code == 200, moved.text

    for change, code, field in [
        ({"input_per_m": "-1"}, "validation_error", "body.input_per_m"),
        ({"output_per_m": "abc"}, "validation_error", "body.output_per_m"),
        ({"cached_input_per_m": "NaN"}, "validation_error", "body.cached_input_per_m"),
        ({"currency": "yuan"}, "validation_error", "body.currency"),
        ({"effective_from": "0226-01-01"}, "validation_error", "body.effective_from"),
        ({"effective_from": "2026-02-30"}, "validation_error", "body.effective_from"),
        ({"model": None}, "validation_error", "body.model"),
        ({"input_per_m": None}, "validation_error", "body.input_per_m"),
        ({"model": "gpt-9"}, "price_unknown_model", "model"),
    ]:
        refused = client.patch(price_url, json=change, headers=admin_headers)
        assert refused.status_code == 422, (change, refused.text)
        error = refused.json()["error"]
        assert error["code"] == code, (change, error)
        details = error["details"]
        assert (details[0]["field"] if isinstance(details, list) else details["field"]) == field
    clash = client.patch(price_url, json={"model": "qwen-plus"}, headers=admin_headers)
    assert clash.status_code == 409 and clash.json()["error"]["code"] == "price_exists"
    after_refusals = client.get(f"{URL}/{pid}", headers=admin_headers).json()["prices"]
    assert {(p["model"], p["effective_from"], p["currency"]) for p in after_refusals} == {
        ("qwen-plus", "2026-01-01", "CNY"),
        ("qwen-max", "2026-01-01", "USD"),
    }

    make_user("member2")
    member = login(client, "member2")
    assert client.patch(price_url, json={"currency": "CNY"}, headers=member).status_code == 403
    assert client.delete(price_url, headers=member).status_code == 403
    other = _create(client, admin_headers, **_provider(teacher, name="另一个"))["id"]
    foreign = f"{URL}/{other}/prices/{added['id']}"
    assert client.patch(foreign, json={"currency": "CNY"}, headers=admin_headers).status_code == 404
    gone = client.delete(foreign, headers=admin_headers)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "price_not_found"

    assert client.delete(price_url, headers=admin_headers).status_code == 204
    assert client.delete(price_url, headers=admin_headers).status_code == 404
    left = client.get(f"{URL}/{pid}", headers=admin_headers).json()["prices"]
    assert [p["id"] for p in left] == [first]
    with db.session_scope() as session:
        # In the order recorded: the last edit of each action is the one kept.
        trail = {
            a.action: a.details
            for a in session.scalars(
                select(AuditLog)
                .where(AuditLog.object_id == pid)
                .order_by(AuditLog.created_at, AuditLog.id)
            )
        }
    assert trail["llm_provider.price_delete"]["model"] == "qwen-max"
    assert trail["llm_provider.price_delete"]["input_per_m"].startswith("0.7")
    update = trail["llm_provider.price_update"]
    assert update["before"]["model"] == "qwen-plus" and update["after"]["model"] == "qwen-max"
