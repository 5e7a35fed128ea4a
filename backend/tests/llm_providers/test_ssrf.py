"""SSRF: base URLs must be https and public, at save time and at every connection."""

import ipaddress

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.llm_providers.netguard import Allowlist, UnsafeProviderURL, check_addresses, check_base_url
from tests.llm_providers.teacher_server import TeacherServer

URL = "/api/v1/llm-providers"


def _body(base_url: str, name: str = "p") -> dict[str, object]:
    return {"name": name, "kind": "openai_compatible", "base_url": base_url, "models": ["m"]}


@pytest.mark.parametrize(
    "base_url",
    [
        "https://127.0.0.1/v1",
        "http://127.0.0.1:8000/v1",
        "https://10.1.2.3/v1",
        "https://169.254.169.254/latest",
        "https://[::1]/v1",
        "https://[fd00::1]/v1",
        "https://[::ffff:127.0.0.1]/v1",
        "https://100.64.0.1/v1",
        "https://0.0.0.0/v1",
        "ftp://example.com/v1",
        "https://user:pw@8.8.8.8/v1",
    ],
)
def test_unsafe_base_urls_refused_at_save(
    client: TestClient, admin_headers: dict[str, str], base_url: str
) -> None:
    response = client.post(URL, json=_body(base_url), headers=admin_headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "unsafe_provider_url"


def test_allowlist_opens_hosts_and_networks() -> None:
    allow = Allowlist.parse(" 10.0.0.0/8, 127.0.0.1 ,vllm.lan ")
    check_base_url("https://10.1.2.3/v1", allow)
    check_base_url("http://10.200.0.1:8000/v1", allow)
    check_base_url("http://127.0.0.1:9/v1", allow)
    with pytest.raises(UnsafeProviderURL):
        check_base_url("https://169.254.169.254/", allow)
    with pytest.raises(UnsafeProviderURL):
        check_base_url("http://8.8.8.8/v1", allow)
    assert check_addresses("vllm.lan", [ipaddress.ip_address("192.168.1.9")], allow)
    with pytest.raises(UnsafeProviderURL, match=r"192\.168\.1\.9"):
        check_addresses("other.lan", [ipaddress.ip_address("192.168.1.9")], allow)
    with pytest.raises(UnsafeProviderURL, match=r"169\.254\.169\.254"):
        check_addresses(
            "mixed.example",
            [ipaddress.ip_address("8.8.8.8"), ipaddress.ip_address("169.254.169.254")],
            Allowlist.parse(""),
        )


def test_connection_checked_again_at_connect(
    client: TestClient,
    admin_headers: dict[str, str],
    teacher: TeacherServer,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(settings, "llm_provider_allowed_hosts", "127.0.0.1")
    created = client.post(URL, json=_body(teacher.base_url), headers=admin_headers)
    assert created.status_code == 201, created.text
    monkeypatch.setattr(settings, "llm_provider_allowed_hosts", "")
    tested = client.post(f"{URL}/{created.json()['id']}/test", headers=admin_headers).json()
    assert tested["ok"] is False and tested["error_code"] == "unsafe_provider_url"
    assert teacher.requests == 0


def test_host_name_is_resolved_checked_and_pinned(
    client: TestClient,
    admin_headers: dict[str, str],
    teacher: TeacherServer,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    by_name = f"http://localhost:{teacher.port}/v1"
    refused = client.post(URL, json=_body(by_name), headers=admin_headers)
    assert refused.status_code == 422
    monkeypatch.setattr(settings, "llm_provider_allowed_hosts", "localhost")
    created = client.post(URL, json=_body(by_name), headers=admin_headers)
    assert created.status_code == 201, created.text
    tested = client.post(f"{URL}/{created.json()['id']}/test", headers=admin_headers).json()
    assert tested["ok"] is True, tested
    assert teacher.host_headers == [f"localhost:{teacher.port}"]
