"""Compose files validate with docker-compose and carry the fixes of the seed's defects."""

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.engine.kinds import QUEUES

REPO = Path(__file__).resolve().parents[3]
TEST_ENV = {
    "POSTGRES_PASSWORD": "pg-" + "a" * 40,
    "REDIS_PASSWORD": "redis-" + "b" * 40,
    "SECRET_KEY": "c" * 64,
    "JWT_SECRET_KEY": "d" * 64,
    "GRAFANA_ADMIN_PASSWORD": "e" * 40,
    "PRIVATE_BIND_IP": "10.1.2.3",
    "DATABASE_URL": "postgresql+psycopg://training:secret@10.1.2.3:5432/training_platform",
    "REDIS_URL": "redis://:secret@10.1.2.3:6379/0",
    "WORKER_DATA_ROOT": "/mnt/platform",
}

needs_compose = pytest.mark.skipif(
    shutil.which("docker-compose") is None,
    reason="docker-compose not installed (Debian: apt-get install docker-compose)",
)


def compose_config(tmp_path: Path, *files: str, profiles: tuple[str, ...] = ()) -> dict[str, Any]:
    """`docker-compose config` of the files with a generated test .env, parsed."""
    env_file = tmp_path / "test.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in TEST_ENV.items()))
    args = ["docker-compose", "--env-file", str(env_file)]
    for name in files:
        args += ["-f", str(REPO / name)]
    for profile in profiles:
        args += ["--profile", profile]
    result = subprocess.run(
        [*args, "config"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", "ENV_FILE": str(env_file)},
    )
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


@needs_compose
def test_main_stack(tmp_path: Path) -> None:
    services = compose_config(tmp_path, "docker-compose.yml")["services"]
    expected = {
        "postgres",
        "redis",
        "migrate",
        "backend",
        "celery-worker",
        "celery-worker-labeling",
        "celery-beat",
        "frontend",
        "nginx",
    }
    assert expected <= set(services)
    assert "ports" not in services["postgres"] and "ports" not in services["redis"]
    assert all("container_name" not in s for s in services.values())
    assert services["backend"]["deploy"]["replicas"] == 2
    redis = services["redis"]
    assert "--maxmemory-policy noeviction" in " ".join(redis["command"])
    probe = " ".join(redis["healthcheck"]["test"])
    assert "REDISCLI_AUTH" in probe and "grep -q PONG" in probe
    for name in ("backend", "celery-worker", "celery-worker-labeling", "celery-beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert (
            depends["postgres"]["condition"] == depends["redis"]["condition"] == "service_healthy"
        )
        env = services[name]["environment"]
        assert env["REDIS_URL"].startswith(f"redis://:{TEST_ENV['REDIS_PASSWORD']}@redis:")
        assert env["DATABASE_URL"].startswith("postgresql+psycopg://")
        assert env["JOB_BACKEND"] == "celery" and env["ENVIRONMENT"] == "production"
    assert services["migrate"]["command"] == ["python", "-m", "app.db.init_db"]
    assert _queues(services["celery-worker"]) == {"training", "default"}
    assert _queues(services["celery-worker-labeling"]) == {"labeling"}
    nginx = services["nginx"]
    assert any(v.endswith(":/etc/nginx/certs:ro") for v in _volume_strings(nginx))
    assert nginx["depends_on"]["backend"]["condition"] == "service_healthy"
    assert "REACT_APP_API_URL" not in str(services["frontend"])


def _queues(service: dict[str, Any]) -> set[str]:
    """The queues a worker service consumes (its `-Q` list)."""
    command = service["command"]
    return set(command[command.index("-Q") + 1].split(","))


def test_every_queue_has_a_worker_and_labeling_runs_have_their_own() -> None:
    """Read from the file itself, so that it runs without docker-compose too."""
    services = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]
    workers = {
        name: _queues(service)
        for name, service in services.items()
        if "worker" in service.get("command", []) and "gpu" not in service.get("profiles", [])
    }
    assert set().union(*workers.values()) == set(QUEUES)
    assert [name for name, queues in workers.items() if "labeling" in queues] == [
        "celery-worker-labeling"
    ]
    assert workers["celery-worker-labeling"] == {"labeling"}


def _volume_strings(service: dict[str, Any]) -> list[str]:
    out = []
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            out.append(volume.removesuffix(":rw"))
        else:
            suffix = ":ro" if volume.get("read_only") else ""
            out.append(f"{volume['source']}:{volume['target']}{suffix}")
    return out


@needs_compose
def test_production_overrides(tmp_path: Path) -> None:
    config = compose_config(tmp_path, "docker-compose.yml", "docker-compose.prod.yml")
    services = config["services"]
    flags = " ".join(services["postgres"]["command"])
    assert "shared_buffers=1GB" in flags and "max_connections=200" in flags
    assert "POSTGRES_SHARED_BUFFERS" not in str(services["postgres"].get("environment"))
    redis = " ".join(services["redis"]["command"])
    assert "noeviction" in redis and "allkeys-lru" not in redis and "--maxmemory 512mb" in redis
    assert services["backend"]["deploy"]["replicas"] == 2
    assert "limits" in services["backend"]["deploy"]["resources"]
    labeling = services["celery-worker-labeling"]
    assert labeling["deploy"]["resources"]["limits"]["memory"] == "4G"
    assert _queues(labeling) == {"labeling"}


@needs_compose
def test_optional_profiles_and_worker_host(tmp_path: Path) -> None:
    profiles = ("gpu", "monitoring", "logging")
    services = compose_config(tmp_path, "docker-compose.yml", profiles=profiles)["services"]
    gpu = services["celery-worker-gpu"]
    device = gpu["deploy"]["resources"]["reservations"]["devices"][0]
    assert device["driver"] == "nvidia" and "gpu" in device["capabilities"]
    assert gpu["command"][gpu["command"].index("-Q") + 1] == "training"
    assert {"prometheus", "grafana", "postgres-exporter", "redis-exporter", "filebeat"} <= set(
        services
    )
    for name in ("prometheus", "grafana"):
        assert all(p["host_ip"] == "127.0.0.1" for p in _ports(services[name]))
    remote = compose_config(tmp_path, "docker-compose.gpu.yml")["services"]["gpu-worker"]
    assert remote["environment"]["DATABASE_URL"] == TEST_ENV["DATABASE_URL"]
    assert any(v.startswith("/mnt/platform/models:") for v in _volume_strings(remote))


def _ports(service: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for port in service.get("ports", []):
        if isinstance(port, str):
            host_ip, published, target = port.removesuffix("/tcp").split(":")
            out.append({"host_ip": host_ip, "published": published, "target": target})
        else:
            out.append(port)
    return out


@needs_compose
def test_cluster_override_binds_the_private_address_only(tmp_path: Path) -> None:
    files = ("docker-compose.yml", "docker-compose.prod.yml", "docker-compose.cluster.yml")
    services = compose_config(tmp_path, *files)["services"]
    for name in ("postgres", "redis"):
        assert [p["host_ip"] for p in _ports(services[name])] == ["10.1.2.3"]


def test_seed_defects_stay_fixed() -> None:
    nginx = (REPO / "nginx" / "nginx.conf").read_text()
    assert "https://$host$request_uri" in nginx and "$server_name$request_uri" not in nginx
    assert "http2 on;" in nginx and "ssl http2" not in nginx
    assert "openssl" not in (REPO / "nginx" / "Dockerfile").read_text()
    backend = (REPO / "backend" / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in backend and "USER app" in backend
    assert "HEALTHCHECK" in backend
    frontend = (REPO / "frontend" / "Dockerfile").read_text()
    assert "--only=production" not in frontend and "npm run build" in frontend
    assert (
        "EXPOSE 8080" in frontend and "listen 8080;" in (REPO / "frontend/nginx.conf").read_text()
    )
    prometheus = yaml.safe_load((REPO / "monitoring" / "prometheus.yml").read_text())
    targets = str(prometheus["scrape_configs"])
    assert "postgres:5432" not in targets and "redis:6379" not in targets
    assert "postgres-exporter:9187" in targets and "redis-exporter:9121" in targets
    deploy = (REPO / "scripts" / "deploy.sh").read_text()
    assert "sleep 30" not in deploy and "wait_healthy" in deploy
