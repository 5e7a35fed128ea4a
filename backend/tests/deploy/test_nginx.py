"""Production nginx.conf (test variant) before two real uvicorn replicas and the console."""

import hashlib
import json
import os
import re
import socket
import ssl
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis as redis_lib
from fastapi import FastAPI
from sqlalchemy import select
from websockets.sync.client import connect

from app.core.config import Settings
from app.datasets.conversion_job import conversion_of
from app.db.models import JobEvent, JobStatus, Project, TrainingJob, User
from app.db.session import Database
from app.engine.build import build_engine
from app.engine.bus import RedisBus
from app.engine.config import JobSettings
from app.engine.events import event_payload
from app.engine.runner import run_job
from app.job_kinds import job_kinds
from tests.conftest import PASSWORD, TEST_REDIS_URL, TEST_SECRET
from tests.deploy.nginx_stack import (
    FRONTEND_CONF,
    HTTP2_DIRECTIVE_SINCE,
    PROD_CONF,
    Ports,
    free_ports,
    frontend_variant,
    make_certificate,
    nginx_binary,
    nginx_version,
    production_variant,
    start_backend,
    start_nginx,
    wait_until_served,
)

INDEX_HTML = (
    "<!doctype html><html><head><title>企业级小模型训练平台</title></head><body></body></html>"
)
# Lines the variant rewrites: 2 backend servers (HTTP and WebSocket upstreams), 1 frontend
# server, 2 listens, 2 certificate paths, 2 temp paths, 2 log paths, and `http2 on;`.
CHANGED_LINES = 12


@dataclass
class Stack:
    """The running stack: ports, files and a TLS context trusting its certificate."""

    ports: Ports
    tmp: Path
    tls: ssl.SSLContext
    variant: str
    events_prefix: str | None

    def url(self, path: str) -> str:
        """HTTPS URL through nginx."""
        return f"https://127.0.0.1:{self.ports.https}{path}"

    def access_log(self) -> list[dict[str, object]]:
        """Parsed JSON lines of nginx's access log."""
        return [json.loads(line) for line in (self.tmp / "access.log").read_text().splitlines()]


def _write_dist(dist: Path) -> None:
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(INDEX_HTML, encoding="utf-8")
    script = "".join(f"export const label{i} = '训练任务 {i}';\n" for i in range(200))
    (dist / "assets" / "app-3f9a1c.js").write_text(script, encoding="utf-8")


def _redis_reachable() -> bool:
    try:
        redis_lib.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2).ping()
    except redis_lib.RedisError:
        return False
    return True


def _backend_env(settings: Settings, tmp: Path, index: int, prefix: str | None) -> dict[str, str]:
    """Production-like replicas (Celery mode, Redis event bus) when Redis is reachable."""
    mode = {"REDIS_URL": TEST_REDIS_URL, "JOB_BACKEND": "celery", "JOB_EVENTS_PREFIX": prefix}
    return {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": settings.sqlalchemy_url,
        "SECRET_KEY": TEST_SECRET,
        "JWT_SECRET_KEY": TEST_SECRET,
        "DATA_STORAGE_PATH": str(settings.data_storage_path),
        "MODEL_STORAGE_PATH": str(settings.model_storage_path),
        "LOG_DIR": str(tmp / f"backend{index}-logs"),
        "SERVE_FRONTEND": "false",
        **(mode if prefix else {"REDIS_URL": "", "JOB_BACKEND": "local"}),
    }


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, settings: Settings) -> Iterator[Stack]:
    """nginx (production variant) -> two uvicorn replicas + nginx serving a dist folder."""
    binary = nginx_binary()
    if binary is None:
        pytest.skip("the nginx binary is not installed (Debian: apt-get install nginx-light)")
    tmp = tmp_path_factory.mktemp("nginx")
    backend_a, backend_b, frontend, http, https = free_ports(5)
    ports = Ports(backends=[backend_a, backend_b], frontend=frontend, http=http, https=https)
    make_certificate(tmp)
    _write_dist(tmp / "dist")
    http2 = nginx_version(binary) >= HTTP2_DIRECTIVE_SINCE
    variant, changed = production_variant(PROD_CONF.read_text(), ports, tmp, http2)
    assert changed == CHANGED_LINES, "nginx/nginx.conf changed shape: update the test variant"
    (tmp / "nginx.conf").write_text(variant)
    fe_conf = frontend_variant(FRONTEND_CONF.read_text(), frontend, tmp / "dist", tmp)
    (tmp / "frontend.conf").write_text(fe_conf)
    prefix = f"tp:test:{uuid.uuid4().hex[:8]}" if _redis_reachable() else None
    with ExitStack() as processes:
        for index, port in enumerate(ports.backends):
            env = _backend_env(settings, tmp, index, prefix)
            start_backend(processes, port, env, tmp / f"b{index}.log")
        start_nginx(processes, binary, tmp / "frontend.conf", tmp, "frontend")
        start_nginx(processes, binary, tmp / "nginx.conf", tmp, "nginx")
        tls = ssl.create_default_context(cafile=str(tmp / "cert.pem"))
        stack = Stack(ports=ports, tmp=tmp, tls=tls, variant=variant, events_prefix=prefix)
        wait_until_served(stack.url("/health"), tls)
        yield stack


def test_variant_keeps_every_production_directive(stack: Stack) -> None:
    for directive in (
        "least_conn;",
        "keepalive 32;",
        "proxy_request_buffering off;",
        "client_max_body_size 101m;",
        "return 301 https://$host$request_uri;",
        "ssl_protocols TLSv1.2 TLSv1.3;",
        "proxy_read_timeout 3600s;",
        "gzip on;",
        "location /v1/ {",
        "proxy_buffering off;",
    ):
        assert directive in stack.variant
    assert "backend:8000" not in stack.variant and "/etc/nginx/certs" not in stack.variant


def test_http_redirects_to_the_requested_host(stack: Stack) -> None:
    response = httpx.get(
        f"http://127.0.0.1:{stack.ports.http}/projects/7?tab=jobs",
        headers={"Host": "platform.example.cn"},
    )
    assert response.status_code == 301
    assert response.headers["location"] == "https://platform.example.cn/projects/7?tab=jobs"
    health = httpx.get(f"http://127.0.0.1:{stack.ports.http}/health")
    assert health.status_code == 200 and health.json() == {"status": "ok"}  # a replica answered


def test_console_through_nginx_with_security_headers(stack: Stack) -> None:
    with httpx.Client(verify=stack.tls) as client:
        index = client.get(stack.url("/"))
        deep_link = client.get(stack.url("/projects/abc/jobs"))
        asset = client.get(stack.url("/assets/app-3f9a1c.js"), headers={"Accept-Encoding": "gzip"})
        missing_asset = client.get(stack.url("/assets/nope.js"))
    assert index.status_code == 200 and "企业级小模型训练平台" in index.text
    assert deep_link.status_code == 200 and deep_link.text == index.text
    assert asset.status_code == 200 and asset.headers["content-encoding"] == "gzip"
    assert "immutable" in asset.headers["cache-control"] and "训练任务 199" in asset.text
    assert missing_asset.status_code == 404
    for response in (index, asset, missing_asset):
        assert response.headers["strict-transport-security"].startswith("max-age=31536000")
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'self'" in response.headers["content-security-policy"]
        assert "server" not in response.headers or "/" not in response.headers["server"]


def test_api_through_nginx_reaches_both_replicas(
    stack: Stack, make_user: Callable[..., User]
) -> None:
    make_user("through_nginx")
    with httpx.Client(verify=stack.tls) as client:
        login = client.post(
            stack.url("/api/v1/auth/login"),
            data={"username": "through_nginx", "password": PASSWORD},
        )
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        for _ in range(8):
            me = client.get(stack.url("/api/v1/users/me"), headers=headers)
            assert me.status_code == 200 and me.json()["username"] == "through_nginx"
        missing = client.get(stack.url("/api/v1/nope"))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert missing.headers["x-content-type-options"] == "nosniff"
    upstreams = {
        entry["upstream_addr"]
        for entry in stack.access_log()
        if str(entry["uri"]).startswith("/api/v1/users/me")
    }
    assert upstreams == {f"127.0.0.1:{port}" for port in stack.ports.backends}


def test_openai_api_streams_through_nginx(
    stack: Stack, make_user: Callable[..., User], register_chat_model: Callable[..., uuid.UUID]
) -> None:
    make_user("sse_user")
    headers = {"Authorization": f"Bearer {_login(stack, 'sse_user')}"}
    with httpx.Client(verify=stack.tls, headers=headers) as client:
        project_id = client.get(stack.url("/api/v1/projects")).json()["items"][0]["id"]
        model_id = register_chat_model(uuid.UUID(project_id))
        key = client.post(
            stack.url(f"/api/v1/projects/{project_id}/api-keys"), json={"name": "网关"}
        ).json()["key"]
    unknown = httpx.get(stack.url("/v1/models"), verify=stack.tls)
    assert unknown.status_code == 401 and unknown.json()["error"]["type"] == "authentication_error"
    body = {
        "model": str(model_id),
        "messages": [{"role": "user", "content": "你好"}],
        "max_tokens": 6,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    auth = {"Authorization": f"Bearer {key}"}
    # the replica's first chat request starts its serving worker (imports torch): no 5 s limit
    with httpx.stream(
        "POST",
        stack.url("/v1/chat/completions"),
        json=body,
        headers=auth,
        verify=stack.tls,
        timeout=180,
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert "content-encoding" not in response.headers
        events = [line for line in response.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "data: [DONE]"
    assert json.loads(events[-2].removeprefix("data: "))["usage"]["completion_tokens"] == 6


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])
def test_tls_versions_accepted(stack: Stack, version: ssl.TLSVersion) -> None:
    context = ssl.create_default_context(cafile=str(stack.tmp / "cert.pem"))
    context.minimum_version = context.maximum_version = version
    response = httpx.get(stack.url("/health"), verify=context)
    assert response.status_code == 200


def _login(stack: Stack, username: str) -> str:
    response = httpx.post(
        stack.url("/api/v1/auth/login"),
        data={"username": username, "password": PASSWORD},
        verify=stack.tls,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def _running_job_with_events(db: Database) -> tuple[uuid.UUID, list[dict[str, object]]]:
    with db.session_scope() as session:
        project_id = session.scalars(select(Project.id)).one()
        job = TrainingJob(
            project_id=project_id,
            name="实时事件",
            task_type="tabular_classification",
            trainer="lightgbm",
            status=JobStatus.running,
        )
        session.add(job)
        session.flush()
        events = [JobEvent(job_id=job.id, type="log", data={"line": f"epoch {i}"}) for i in (1, 2)]
        session.add_all(events)
        session.flush()
        return job.id, [event_payload(e) for e in events]


def test_websocket_through_nginx_receives_job_events(
    stack: Stack, db: Database, make_user: Callable[..., User]
) -> None:
    make_user("ws_viewer")
    token = _login(stack, "ws_viewer")
    job_id, stored = _running_job_with_events(db)
    uri = f"wss://127.0.0.1:{stack.ports.https}/ws/jobs/{job_id}"
    with connect(uri, ssl=stack.tls, open_timeout=10) as ws:
        ws.send(json.dumps({"token": token}))
        snapshot = json.loads(ws.recv(timeout=10))
        assert snapshot["type"] == "snapshot" and snapshot["job"]["id"] == str(job_id)
        replayed = [json.loads(ws.recv(timeout=10)) for _ in stored]
        assert [e["id"] for e in replayed] == [e["id"] for e in stored]
        if stack.events_prefix is None:
            pytest.skip("Redis unreachable: replicas use the in-process bus, live part skipped")
        live = {"id": 10**9, "job_id": str(job_id), "type": "progress", "data": {"progress": 0.5}}
        bus = RedisBus(TEST_REDIS_URL, stack.events_prefix)
        try:
            bus.publish(job_id, live)
            assert json.loads(ws.recv(timeout=10)) == live
        finally:
            bus.close()
    upgraded = [e for e in stack.access_log() if str(e["uri"]).startswith("/ws/jobs/")]
    assert upgraded and upgraded[-1]["status"] == 101


UPLOAD_PATH = "/api/v1/data/upload"
UPLOAD_TARGET_BYTES = 100 * 1000 * 1000  # 100 MB, under UPLOAD_MAX_SIZE (100 MiB)
ROWS_PER_BLOCK = 20000


def _csv_block() -> bytes:
    rows = (
        f"{i},{(i % 97) * 0.5},类别{i % 3},样本文本 {i % 1000}\n" for i in range(ROWS_PER_BLOCK)
    )
    return "".join(rows).encode("utf-8")


@dataclass
class Upload:
    """A ~100 MB CSV sent as multipart: a header row, then `blocks` copies of one block."""

    boundary: str
    header: bytes
    block: bytes
    blocks: int

    @property
    def size(self) -> int:
        """The file's size in bytes."""
        return len(self.header) + self.blocks * len(self.block)

    def sha256(self) -> str:
        """The file's checksum."""
        digest = hashlib.sha256(self.header)
        for _ in range(self.blocks):
            digest.update(self.block)
        return digest.hexdigest()

    def envelope(self) -> tuple[bytes, bytes]:
        """The multipart bytes before and after the file's bytes."""
        before = (
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="big.csv"\r\nContent-Type: text/csv\r\n\r\n'
        ).encode()
        return before, f"\r\n--{self.boundary}--\r\n".encode()

    def body(self) -> Iterator[bytes]:
        """The request body, produced while it is sent."""
        before, after = self.envelope()
        yield before + self.header
        for _ in range(self.blocks):
            yield self.block
        yield after


def _upload() -> Upload:
    header, block = b"id,score,label,text\n", _csv_block()
    blocks = (UPLOAD_TARGET_BYTES - len(header)) // len(block) + 1
    return Upload(uuid.uuid4().hex, header, block, blocks)


def test_100mb_upload_streams_through_nginx(
    stack: Stack,
    app: FastAPI,
    make_user: Callable[..., User],
    db: Database,
    settings: Settings,
) -> None:
    if UPLOAD_PATH not in app.openapi()["paths"]:
        pytest.skip(f"{UPLOAD_PATH} is not in the app yet")
    make_user("uploader")
    token = _login(stack, "uploader")
    with db.session_scope() as session:
        project_id = session.scalars(select(Project.id)).one()
    upload = _upload()
    before, after = upload.envelope()
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": f"multipart/form-data; boundary={upload.boundary}",
        "Content-Length": str(len(before) + upload.size + len(after)),
    }
    response = httpx.post(
        stack.url(f"{UPLOAD_PATH}?project_id={project_id}"),
        content=upload.body(),
        headers=headers,
        verify=stack.tls,
        timeout=300,
    )
    assert response.status_code == 201, response.text[:500]
    dataset = response.json()
    assert dataset["size_bytes"] == upload.size >= UPLOAD_TARGET_BYTES
    assert dataset["sha256"] == upload.sha256()
    assert dataset["status"] == "processing"  # converted in the background after the 201
    # In Celery mode no worker runs here: run the conversion job as a worker would (in
    # embedded mode a replica's own thread may win the claim, and this call is then a no-op).
    local = settings.model_copy(update={"job_backend": "local"})
    with db.session_scope() as session:
        conversion = conversion_of(session, uuid.UUID(dataset["id"]))
        assert conversion is not None
    run_job(build_engine(local, db, job_kinds(local), JobSettings()), conversion.id)
    deadline = time.monotonic() + 120
    while dataset["status"] == "processing" and time.monotonic() < deadline:
        time.sleep(0.2)
        dataset = httpx.get(
            stack.url(f"/api/v1/datasets/{dataset['id']}"),
            headers={"Authorization": f"Bearer {token}"},
            verify=stack.tls,
        ).json()
    assert dataset["status"] == "ready", dataset
    assert dataset["row_count"] == upload.blocks * ROWS_PER_BLOCK
    # Streamed: nginx never spooled the body to its disk (it warns when it does).
    assert "buffered to a temporary file" not in (stack.tmp / "error.log").read_text()
    assert sum(_uploaded_bytes(port) for port in stack.ports.backends) == upload.size


def _uploaded_bytes(port: int) -> float:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    match = re.search(r'^uploaded_bytes_total\{kind="dataset"\} (\S+)$', text, re.MULTILINE)
    return float(match[1]) if match else 0.0


def test_oversized_upload_refused_by_nginx(stack: Stack) -> None:
    raw = socket.create_connection(("127.0.0.1", stack.ports.https), timeout=10)
    with stack.tls.wrap_socket(raw, server_hostname="localhost") as conn:
        conn.sendall(
            f"POST {UPLOAD_PATH} HTTP/1.1\r\nHost: localhost\r\nContent-Length: {150 * 2**20}\r\n"
            "Content-Type: multipart/form-data; boundary=x\r\n\r\n".encode()
        )
        status_line = conn.recv(4096).split(b"\r\n", 1)[0]
    assert status_line == b"HTTP/1.1 413 Request Entity Too Large"
