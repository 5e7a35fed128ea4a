"""Price edits and deletions leave finished runs as they were; unlimited concurrency labels."""

from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.core.config import Settings
from app.db.models import LabelingStatus, LLMCall
from app.db.session import Database
from tests.labeling.conftest import REVIEWS, Setup
from tests.labeling.test_loop import _create, _rows, _run, _run_row
from tests.llm_providers.teacher_server import TeacherServer

URL = "/api/v1/llm-providers"


def _recorded(db: Database, run_id: object) -> list[tuple[str, Decimal, str | None]]:
    with db.session_scope() as session:
        calls = session.scalars(
            select(LLMCall).where(LLMCall.run_id == run_id).order_by(LLMCall.id)
        )
        return [(c.model, c.cost, c.currency) for c in calls]


def test_editing_and_deleting_prices_keeps_past_costs(
    db: Database,
    settings: Settings,
    setup: Setup,
    teacher: TeacherServer,
    client: TestClient,
    admin_headers: dict[str, str],
) -> None:
    patched = client.patch(
        f"{URL}/{setup.deepseek_id}",
        json={"concurrency": None, "rpm_limit": None},
        headers=admin_headers,
    )
    assert patched.status_code == 200 and patched.json()["concurrency"] is None
    run_id = _create(db, settings, setup)
    assert _run(db, settings, run_id) == LabelingStatus.succeeded
    assert len(_rows(db, run_id)) == len(REVIEWS)
    before = _run_row(db, run_id)
    calls = _recorded(db, run_id)
    assert before.cost > 0 and sum(c[1] for c in calls) == before.cost

    prices = [
        (provider_id, price)
        for provider_id in (setup.qwen_id, setup.deepseek_id)
        for price in client.get(f"{URL}/{provider_id}", headers=admin_headers).json()["prices"]
    ]
    assert len(prices) == 3
    for provider_id, price in prices:
        price_url = f"{URL}/{provider_id}/prices/{price['id']}"
        doubled = client.patch(
            price_url,
            json={"input_per_m": "4", "output_per_m": "16", "currency": "USD"},
            headers=admin_headers,
        )
        assert doubled.status_code == 200, doubled.text
        assert _recorded(db, run_id) == calls
        assert client.delete(price_url, headers=admin_headers).status_code == 204

    after = _run_row(db, run_id)
    assert (after.cost, after.currency, after.estimate) == (before.cost, "CNY", before.estimate)
    assert (after.input_tokens, after.output_tokens) == (before.input_tokens, before.output_tokens)
    assert _recorded(db, run_id) == calls
    shown = client.get(f"/api/v1/labeling-runs/{run_id}", headers=admin_headers).json()
    assert Decimal(shown["cost"]) == before.cost and shown["currency"] == "CNY"
