"""Prometheus metrics of the API (process-wide collectors)."""

from prometheus_client import Counter, Histogram, Info

from app import __version__

REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests by method, route template and status",
    ["method", "route", "status"],
)
REQUEST_LATENCY = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency by method and route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
BUILD_INFO = Info("training_platform_build", "Build information")
BUILD_INFO.info({"version": __version__})
UPLOADED_BYTES = Counter(
    "uploaded_bytes_total", "Bytes of uploaded files accepted and stored, by kind", ["kind"]
)
PREDICTION_LATENCY = Histogram(
    "prediction_duration_seconds",
    "Time to answer a prediction request, by task type",
    ["task_type"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
MODELS_WARMED = Counter(
    "models_warmed_total", "Aliased models loaded into the predictor cache at startup"
)
