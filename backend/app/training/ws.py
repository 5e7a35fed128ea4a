"""WebSocket `/ws/jobs/{job_id}`: a snapshot, missed events since `last_event_id`, then live.

Authenticate with a first message `{"token": …, "last_event_id": …}`; a token in the URL is
ignored, as URLs end up in access logs. Close codes: 4401 not authenticated, 4404 job not found
or not visible, 1013 (try again later) after the snapshot and the stored events when the event
bus is down. Pings every `PING_SECONDS`.
"""

import asyncio
import json
import uuid
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool

from app.api.deps import user_from_token
from app.core.errors import AppError
from app.db.models import ProjectRole, TrainingJob
from app.db.session import Database
from app.engine.bus import BusUnavailableError
from app.engine.context import JobEngine
from app.engine.events import event_payload, events_after
from app.projects.access import require_project_role
from app.training.service import to_read

router = APIRouter()
PING_SECONDS = 20.0
AUTH_TIMEOUT_SECONDS = 10.0
REPLAY_PAGE = 500
CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404
CLOSE_BUS_DOWN = 1013


def _authorize(db: Database, secret: str, token: str | None, job_id: uuid.UUID) -> int | None:
    """None when the token's user may view the job, else the close code."""
    with db.session_scope() as session:
        try:
            user = user_from_token(session, token, secret)
        except AppError:
            return CLOSE_UNAUTHENTICATED
        job = session.get(TrainingJob, job_id)
        if job is None:
            return CLOSE_NOT_FOUND
        try:
            require_project_role(session, user, job.project_id, ProjectRole.viewer)
        except AppError:
            return CLOSE_NOT_FOUND
    return None


def _snapshot(engine: JobEngine, job_id: uuid.UUID) -> dict[str, Any]:
    with engine.db.session_scope() as session:
        job = session.get(TrainingJob, job_id)
        read = to_read(session, engine, job).model_dump(mode="json") if job else None
    return {"type": "snapshot", "job": read}


def _replay(db: Database, job_id: uuid.UUID, after: int) -> list[dict[str, Any]]:
    with db.session_scope() as session:
        return [event_payload(e) for e in events_after(session, job_id, after, limit=REPLAY_PAGE)]


async def _first_message_token(websocket: WebSocket) -> tuple[str | None, int]:
    try:
        raw = await asyncio.wait_for(websocket.receive_text(), AUTH_TIMEOUT_SECONDS)
        message = json.loads(raw)
        return message.get("token"), int(message.get("last_event_id") or 0)
    except (TimeoutError, ValueError, AttributeError, TypeError):
        return None, 0


@router.websocket("/ws/jobs/{job_id}")
async def job_events(websocket: WebSocket, job_id: uuid.UUID) -> None:
    """Stream a job's events: snapshot, replay after `last_event_id`, live, pings."""
    await websocket.accept()
    db: Database = websocket.app.state.db
    token, last_id = await _first_message_token(websocket)
    secret = websocket.app.state.settings.jwt_secret_key
    refused = await run_in_threadpool(_authorize, db, secret, token, job_id)
    if refused is not None:
        reason = "not authenticated" if refused == CLOSE_UNAUTHENTICATED else "job not found"
        await websocket.close(code=refused, reason=reason)
        return
    engine: JobEngine = websocket.app.state.job_engine
    try:
        try:
            async with engine.bus.subscribe(job_id) as live:
                replayed = await _catch_up(websocket, engine, job_id, last_id)
                await _stream(websocket, live, replayed)
        except BusUnavailableError:
            await _catch_up(websocket, engine, job_id, last_id)
            await websocket.close(code=CLOSE_BUS_DOWN, reason="live events unavailable")
    except WebSocketDisconnect:
        return


async def _catch_up(
    websocket: WebSocket, engine: JobEngine, job_id: uuid.UUID, last_id: int
) -> set[int]:
    """Send the snapshot and the stored events after `last_id`; the ids sent."""
    db = engine.db
    await websocket.send_json(await run_in_threadpool(_snapshot, engine, job_id))
    replayed: set[int] = set()
    while batch := await run_in_threadpool(_replay, db, job_id, last_id):
        for event in batch:
            await websocket.send_json(event)
            replayed.add(event["id"])
        last_id = batch[-1]["id"]
        if len(batch) < REPLAY_PAGE:
            break
    return replayed


async def _stream(websocket: WebSocket, live: asyncio.Queue, replayed: set[int]) -> None:
    """Forward live events (skipping ones already replayed) and ping when idle."""
    receiver = asyncio.create_task(_drain_client(websocket))
    try:
        while not receiver.done():
            getter = asyncio.create_task(live.get())
            done, _ = await asyncio.wait(
                {getter, receiver}, timeout=PING_SECONDS, return_when=asyncio.FIRST_COMPLETED
            )
            if getter not in done:
                getter.cancel()
                if not receiver.done():
                    await websocket.send_json({"type": "ping"})
                continue
            event = getter.result()
            if event.get("id") in replayed:
                replayed.discard(event["id"])
                continue
            await websocket.send_json(event)
    finally:
        receiver.cancel()


async def _drain_client(websocket: WebSocket) -> None:
    """Read (and ignore) client messages until it disconnects."""
    try:
        while True:
            await websocket.receive_text()
    except WebSocketDisconnect:
        return
