"""Behind the shipped nginx config: predictions survive a replica killed mid-run, each replica
loads the aliased model at startup, and only predictions are retried on another replica."""

import re
import signal
import ssl
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from subprocess import Popen
from typing import Any

import httpx
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sklearn.datasets import load_breast_cancer

from app.core.config import Settings
from app.db.models import User
from tests.conftest import login
from tests.deploy.nginx_stack import (
    HTTP2_DIRECTIVE_SINCE,
    PROD_CONF,
    Ports,
    free_ports,
    make_certificate,
    nginx_binary,
    nginx_version,
    production_variant,
    start_backend,
    start_nginx,
    wait_until_served,
)
from tests.deploy.test_nginx import _backend_env
from tests.model_registry.test_models import rows, train

CALLERS = 4
WARMUP_WAIT_SECONDS = 60


@dataclass
class Replicated:
    """nginx before two replicas; the replicas' processes by port."""

    https: int
    tls: ssl.SSLContext
    tmp: Path
    replicas: dict[int, Popen[bytes]]

    def url(self, path: str) -> str:
        """HTTPS URL through nginx."""
        return f"https://127.0.0.1:{self.https}{path}"


@pytest.fixture
def aliased_model(
    jobs_client: TestClient, make_user: Callable[..., User], add_dataset: Callable[..., uuid.UUID]
) -> tuple[dict[str, Any], dict[str, str], pd.DataFrame]:
    """A small trained tabular model carrying the alias `production`, and its owner's header."""
    make_user("failover")
    headers = login(jobs_client, "failover")
    project = jobs_client.get("/api/v1/projects", headers=headers).json()["items"][0]["id"]
    frame = load_breast_cancer(as_frame=True).frame
    model = train(jobs_client, headers, project, add_dataset(project, frame))
    patched = jobs_client.patch(
        f"/api/v1/models/{model['id']}", headers=headers, json={"alias": "production"}
    )
    assert patched.status_code == 200, patched.text
    return model, headers, frame


@pytest.fixture
def replicated(
    tmp_path: Path, settings: Settings, aliased_model: tuple[Any, ...]
) -> Iterator[Replicated]:
    """The production variant before two uvicorn replicas started after the alias was set."""
    binary = nginx_binary()
    if binary is None:
        pytest.skip("the nginx binary is not installed (Debian: apt-get install nginx-light)")
    backend_a, backend_b, frontend, http, https = free_ports(5)
    ports = Ports(backends=[backend_a, backend_b], frontend=frontend, http=http, https=https)
    make_certificate(tmp_path)
    http2 = nginx_version(binary) >= HTTP2_DIRECTIVE_SINCE
    variant, _ = production_variant(PROD_CONF.read_text(), ports, tmp_path, http2)
    (tmp_path / "nginx.conf").write_text(variant)
    with ExitStack() as processes:
        replicas = {
            port: start_backend(
                processes,
                port,
                _backend_env(settings, tmp_path, index, None),
                tmp_path / f"b{index}.log",
            )
            for index, port in enumerate(ports.backends)
        }
        start_nginx(processes, binary, tmp_path / "nginx.conf", tmp_path, "nginx")
        tls = ssl.create_default_context(cafile=str(tmp_path / "cert.pem"))
        stack = Replicated(https=https, tls=tls, tmp=tmp_path, replicas=replicas)
        wait_until_served(stack.url("/health"), tls)
        yield stack


def _warmed(port: int) -> float:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    match = re.search(r"^models_warmed_total (\S+)$", text, re.MULTILINE)
    return float(match[1]) if match else 0.0


def _predicted(port: int) -> float:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    pattern = r'^http_requests_total\{method="POST",route="[^"]*predict",status="200"\} (\S+)$'
    return sum(float(m) for m in re.findall(pattern, text, re.MULTILINE))


def test_predictions_survive_a_killed_replica_and_the_alias_is_warm(
    replicated: Replicated, aliased_model: tuple[dict[str, Any], dict[str, str], pd.DataFrame]
) -> None:
    model, headers, frame = aliased_model
    deadline = time.monotonic() + WARMUP_WAIT_SECONDS
    while time.monotonic() < deadline and not all(_warmed(p) for p in replicated.replicas):
        time.sleep(0.2)
    assert [_warmed(port) for port in replicated.replicas] == [1.0, 1.0]
    health = httpx.get(replicated.url("/health"), verify=replicated.tls)
    assert health.json() == {"status": "ok"}  # answered by a replica, not by nginx

    url = replicated.url(f"/api/v1/models/{model['id']}/predict")
    body = {"inputs": rows(frame, 20)}
    statuses: list[int] = []
    stop = threading.Event()

    def call() -> None:
        with httpx.Client(verify=replicated.tls, headers=headers, timeout=60) as client:
            while not stop.is_set():
                statuses.append(client.post(url, json=body).status_code)

    callers = [threading.Thread(target=call) for _ in range(CALLERS)]
    for caller in callers:
        caller.start()
    try:
        victim, survivor = list(replicated.replicas)
        while _predicted(victim) < 20:
            time.sleep(0.05)
        replicated.replicas[victim].send_signal(signal.SIGKILL)
        answered = len(statuses)
        while len(statuses) < answered + 100:
            time.sleep(0.05)
    finally:
        stop.set()
        for caller in callers:
            caller.join(timeout=120)
    assert replicated.replicas[victim].wait(timeout=10) == -signal.SIGKILL
    assert statuses and set(statuses) == {200}, {s: statuses.count(s) for s in set(statuses)}
    assert _predicted(survivor) > 0


def test_only_predictions_are_retried_on_another_replica() -> None:
    conf = PROD_CONF.read_text()
    blocks = re.findall(r"location ([^{]+)\{([^}]*)\}", conf)
    retried = [where.strip() for where, block in blocks if "non_idempotent" in block]
    assert retried == ["~ ^/api/v1/models/[^/]+/predict$"]
    predict = dict((where.strip(), block) for where, block in blocks)[retried[0]]
    assert "client_body_buffer_size 1m;" in predict
    websockets = dict((where.strip(), block) for where, block in blocks)["/ws/"]
    assert "proxy_pass http://backend_websockets;" in websockets
    health = [block for where, block in blocks if where.strip() == "= /health"]
    assert len(health) == 2 and all("proxy_pass http://backend_servers;" in b for b in health)
