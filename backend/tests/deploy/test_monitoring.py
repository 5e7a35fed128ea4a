"""Prometheus rules and the Grafana dashboard refer only to metrics the platform exposes."""

import json
import re
from pathlib import Path

import yaml
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from app.engine.config import JobSettings

REPO = Path(__file__).resolve().parents[3]
OUR_PREFIXES = ("http_", "training_", "job_", "uploaded_", "prediction_")
_SUFFIXES = ("_bucket", "_count", "_sum", "_total")


def _dashboard_exprs() -> list[str]:
    dashboard = json.loads(
        (REPO / "monitoring/grafana/dashboards/training-platform.json").read_text()
    )
    assert dashboard["uid"] == "training-platform" and dashboard["panels"]
    return [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]


def _alert_exprs() -> list[str]:
    rules = yaml.safe_load((REPO / "monitoring/alerts.yml").read_text())
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def _our_metric_names(expr: str) -> set[str]:
    names = set()
    for token in re.findall(r"\b[a-z][a-z0-9_]*\b", re.sub(r"\{[^}]*\}", "", expr)):
        if token.startswith(OUR_PREFIXES):
            for suffix in _SUFFIXES:
                token = token.removesuffix(suffix)
            names.add(token)
    return names


def test_dashboard_and_alerts_use_exposed_metrics(client: TestClient) -> None:
    exposed = set()
    for family in text_string_to_metric_families(client.get("/metrics").text):
        exposed.add(family.name)
        exposed.add(family.name.removesuffix("_total"))
    used = set().union(*(_our_metric_names(e) for e in _dashboard_exprs() + _alert_exprs()))
    assert {"training_jobs", "job_queue_depth", "training_job_duration_seconds"} <= used
    assert used - exposed == set()


def test_every_job_queue_has_a_backlog_alert() -> None:
    alerted = {
        match
        for expr in _alert_exprs()
        for match in re.findall(r'job_queue_depth\{queue="([^"]+)"\}', expr)
    }
    assert alerted == set(JobSettings.model_construct().queue_names().values())  # the defaults


def test_prometheus_loads_the_alert_rules() -> None:
    config = yaml.safe_load((REPO / "monitoring/prometheus.yml").read_text())
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]
    compose = (REPO / "docker-compose.yml").read_text()
    assert "./monitoring/alerts.yml:/etc/prometheus/alerts.yml:ro" in compose
