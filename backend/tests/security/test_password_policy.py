"""Weak passwords are refused with the reason; strong ones, Chinese ones included, pass."""

import pytest
from fastapi.testclient import TestClient

from app.core.errors import UnprocessableInput
from app.core.security import check_password_policy

WEAK = [
    ("password12", "most common leaked passwords"),
    ("1234567890", "most common leaked passwords"),
    ("aaaaaaaaaa", 'Repeats like "aaa" are easy to guess'),
    ("\x00" * 10, "control characters"),
    ("qwertyuiop", "most common leaked passwords"),
    ("密码密码密码密码密码", "Repeats like"),
    ("zhang.wei-2026", "must not contain the username"),
]

STRONG = ["训练平台的管理员密码很长", "Correct-Horse-9", "mQ7#vLp2-xRt"]


@pytest.mark.parametrize(("password", "reason"), WEAK)
def test_weak_passwords_are_refused_saying_why(
    client: TestClient, admin_headers: dict[str, str], password: str, reason: str
) -> None:
    response = client.post(
        "/api/v1/users",
        json={"username": "zhang.wei", "password": password},
        headers=admin_headers,
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "weak_password" and reason in error["message"]
    assert error["details"]["field"] == "password"


def test_guessable_password_names_zxcvbn_hint() -> None:
    with pytest.raises(UnprocessableInput) as refused:
        check_password_policy("Summer2024!", "li.na")
    assert refused.value.message.startswith("Password is too easy to guess:")
    assert refused.value.details["suggestions"]


@pytest.mark.parametrize(
    "password", ["训练平台的管理员密码很长", "Correct-Horse-9", "mQ7#vLp2-xRt"]
)
def test_strong_passwords_pass(password: str) -> None:
    check_password_policy(password, "li.na", "li.na@example.com", "李娜")
