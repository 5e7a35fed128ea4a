"""The API against its own OpenAPI document: bounded input, no null where a value is required,
and a bounded Schemathesis run with no server error and no undocumented status code."""

import traceback
from collections.abc import Callable

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import FlakyFailure, Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure
from schemathesis.generation.modes import GenerationMode
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import status_code_conformance

from app.core.config import Settings
from app.core.security import create_access_token
from app.db.models import User, UserRole
from tests.conftest import login

HUGE = "18446744073709551616"
# Examples per operation and mode: about two minutes for the whole API on two cores.
EXAMPLES = 12
LISTS = ("/api/v1/users", "/api/v1/projects", "/api/v1/audit-logs", "/api/v1/jobs")


def test_huge_offsets_are_422_on_every_list(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    for path in LISTS:
        for query in (f"offset={HUGE}", "offset=1000000001", f"limit={HUGE}"):
            response = client.get(f"{path}?{query}", headers=admin_headers)
            assert response.status_code == 422, (path, query, response.text)
            assert response.json()["error"]["code"] == "validation_error"


def test_explicit_null_in_patch_is_422_naming_the_field(
    client: TestClient, make_user: Callable[..., User], admin_headers: dict[str, str]
) -> None:
    member = make_user("nullable_target")
    own = login(client, "nullable_target")
    project = client.post("/api/v1/projects", json={"name": "空值"}, headers=own).json()["id"]
    cases = [
        ("/api/v1/users/me", own, "display_name"),
        (f"/api/v1/users/{member.id}", admin_headers, "is_active"),
        (f"/api/v1/users/{member.id}", admin_headers, "role"),
        (f"/api/v1/users/{member.id}", admin_headers, "display_name"),
        (f"/api/v1/projects/{project}", own, "name"),
        (f"/api/v1/projects/{project}", own, "description"),
    ]
    for path, headers, field in cases:
        response = client.patch(path, json={field: None}, headers=headers)
        assert response.status_code == 422, (path, field, response.text)
        assert response.json()["error"]["details"][0]["field"] == f"body.{field}"
    cleared = client.patch("/api/v1/users/me", json={"email": None}, headers=own)
    assert cleared.status_code == 200 and cleared.json()["email"] is None


def test_every_error_status_is_documented_with_the_envelope(app: FastAPI) -> None:
    spec = app.openapi()
    login_responses = spec["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert {"401", "422", "429"} <= login_responses.keys()
    patch_project = spec["paths"]["/api/v1/projects/{project_id}"]["patch"]["responses"]
    assert {"401", "403", "404", "409", "422"} <= patch_project.keys()
    envelope = patch_project["404"]["content"]["application/json"]["schema"]["$ref"]
    assert envelope.endswith("/ErrorResponse")
    assert "413" in spec["paths"]["/api/v1/data/upload"]["post"]["responses"]


@pytest.fixture
def admin_token(make_user: Callable[..., User], settings: Settings) -> dict[str, str]:
    """An admin's bearer header, minted directly (no password hashing per example)."""
    admin = make_user("contract_admin", UserRole.admin)
    token = create_access_token(admin.id, settings.jwt_secret_key, settings.access_token_minutes)
    return {"Authorization": f"Bearer {token}"}


def _fuzz(operation: APIOperation, mode: GenerationMode, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(
            headers=headers, checks=[not_a_server_error, status_code_conformance]
        )

    run()


def _check_failures(exc: BaseException) -> bool:
    """True when the error holds a Schemathesis check failure (a status or a server error)."""
    if isinstance(exc, Failure):
        return True
    return any(_check_failures(inner) for inner in getattr(exc, "exceptions", ()))


def _problem(operation: APIOperation, mode: GenerationMode, headers: dict[str, str]) -> str | None:
    """What went wrong for one operation and mode, or None.

    A replay that does not reproduce an error with no check failure in it (the in-process
    transport under a loaded machine) is tried once more; check failures are never retried.
    """
    for attempt in (1, 2):
        try:
            _fuzz(operation, mode, headers)
        except Unsatisfiable:  # no invalid input exists for an operation without inputs
            return None
        except (Exception, BaseExceptionGroup) as exc:
            if attempt == 1 and isinstance(exc, FlakyFailure) and not _check_failures(exc):
                continue
            trace = "".join(traceback.format_exception(exc))
            return f"{operation.label} ({mode}): {trace[-4000:]}"
        return None
    return None


def test_api_conforms_to_its_schema(app: FastAPI, admin_token: dict[str, str]) -> None:
    """Every operation, valid and invalid input: no 5xx, no status the schema does not list."""
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    problems = [
        problem
        for result in schema.get_all_operations()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        if (problem := _problem(result.ok(), mode, admin_token)) is not None
    ]
    assert not problems, "\n\n".join(problems)
