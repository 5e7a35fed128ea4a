"""Run the production nginx config (test variant) before two real uvicorn backends on loopback.

The test variant is generated from `nginx/nginx.conf` line by line; only these lines change:
upstream servers (each `backend` name -> two loopback replicas, as Docker's DNS returns one
address per replica), listen ports, certificate paths and file paths (logs, temp folders).
Debian's nginx (1.22) predates `http2 on;` (1.25.1); for an older binary that line is dropped.
"""

import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[3]
BACKEND = REPO / "backend"
PROD_CONF = REPO / "nginx" / "nginx.conf"
DOCKERFILE = BACKEND / "Dockerfile"
FRONTEND_CONF = REPO / "frontend" / "nginx.conf"
PORT_RANGE = (18000, 18999)
HTTP2_DIRECTIVE_SINCE = (1, 25, 1)


def nginx_binary() -> str | None:
    """Path of the nginx binary, if installed."""
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def nginx_version(binary: str) -> tuple[int, ...]:
    """The binary's version as a tuple."""
    out = subprocess.run([binary, "-v"], capture_output=True, text=True, check=True).stderr
    match = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", out)
    assert match, out
    return tuple(int(part) for part in match.groups())


def free_ports(count: int) -> list[int]:
    """Distinct free loopback ports from this suite's range."""
    ports: list[int] = []
    for port in range(PORT_RANGE[0] + (os.getpid() % 500), PORT_RANGE[1]):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        ports.append(port)
        if len(ports) == count:
            return ports
    raise RuntimeError("no free ports in 18000-18999")


@dataclass
class Ports:
    """Loopback ports of the stack."""

    backends: list[int]
    frontend: int
    http: int
    https: int


def _line_rules(ports: Ports, tmp: Path, http2: bool) -> list[tuple[re.Pattern[str], Callable]]:
    def backend_servers(m: re.Match[str]) -> str:
        return "\n".join(f"{m[1]}server 127.0.0.1:{p}{m[2]}" for p in ports.backends)

    paths = {
        "ssl_certificate": tmp / "cert.pem",
        "ssl_certificate_key": tmp / "key.pem",
        "client_body_temp_path": tmp / "client_temp",
        "proxy_temp_path": tmp / "proxy_temp",
    }
    return [
        (re.compile(r"^(\s*)server backend:8000( .*)$"), backend_servers),
        (
            re.compile(r"^(\s*)server frontend:8080( .*)$"),
            lambda m: f"{m[1]}server 127.0.0.1:{ports.frontend}{m[2]}",
        ),
        (
            re.compile(r"^(\s*)listen 80( .*)$"),
            lambda m: f"{m[1]}listen 127.0.0.1:{ports.http}{m[2]}",
        ),
        (
            re.compile(r"^(\s*)listen 443( .*)$"),
            lambda m: f"{m[1]}listen 127.0.0.1:{ports.https}{m[2]}",
        ),
        (
            re.compile(
                r"^(\s*)(ssl_certificate|ssl_certificate_key|client_body_temp_path|"
                r"proxy_temp_path) \S+;$"
            ),
            lambda m: f"{m[1]}{m[2]} {paths[m[2]]};",
        ),
        (
            re.compile(r"^(\s*)(error_log|access_log) /var/log/nginx/(\S+)( .*)$"),
            lambda m: f"{m[1]}{m[2]} {tmp / m[3]}{m[4]}",
        ),
        (re.compile(r"^(\s*)http2 on;$"), lambda m: m[0] if http2 else ""),
    ]


def production_variant(conf: str, ports: Ports, tmp: Path, http2: bool) -> tuple[str, int]:
    """The test variant of the production config and how many lines were changed."""
    rules = _line_rules(ports, tmp, http2)
    out, changed = [], 0
    for line in conf.splitlines():
        for pattern, replace in rules:
            match = pattern.match(line)
            if match:
                line, changed = replace(match), changed + 1
                break
        out.append(line)
    return "\n".join(out) + "\n", changed


def frontend_variant(conf: str, port: int, dist: Path, tmp: Path) -> str:
    """frontend/nginx.conf (a server block) wrapped like the image's main config."""
    server = conf.replace("listen 8080;", f"listen 127.0.0.1:{port};").replace(
        "root /usr/share/nginx/html;", f"root {dist};"
    )
    assert str(dist) in server and f":{port};" in server, "frontend/nginx.conf changed shape"
    return (
        "events {}\nhttp {\n    include /etc/nginx/mime.types;\n"
        f"    access_log off;\n    client_body_temp_path {tmp}/fe_client;\n"
        f"    proxy_temp_path {tmp}/fe_proxy;\n{server}}}\n"
    )


def make_certificate(tmp: Path) -> None:
    """A throwaway self-signed certificate for 127.0.0.1."""
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-nodes",
            "-newkey",
            "rsa:2048",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(tmp / "key.pem"),
            "-out",
            str(tmp / "cert.pem"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )


def wait_http(url: str, proc: subprocess.Popen[bytes], log: Path, seconds: float = 60) -> None:
    """Poll `url` until it answers (bounded), failing with the process log if it dies."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited {proc.returncode}:\n{log.read_text()}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {seconds}s:\n{log.read_text()}")


@contextmanager
def process(args: list[str], log: Path, **kwargs: object) -> Iterator[subprocess.Popen[bytes]]:
    """Run a child process for the block's duration; terminate (then kill) it afterwards."""
    with log.open("wb") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, **kwargs)  # type: ignore[call-overload]
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


def start_nginx(stack: ExitStack, binary: str, conf: Path, tmp: Path, name: str) -> None:
    """Check the config with `nginx -t`, then run nginx in the foreground for the stack."""
    globals_ = f"daemon off; pid {tmp / name}.pid;"
    if os.geteuid() == 0:
        globals_ += " user root;"
    args = [binary, "-p", str(tmp), "-c", str(conf), "-g", globals_]
    checked = subprocess.run([*args, "-t"], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    stack.enter_context(process(args, tmp / f"{name}.out"))


def dockerfile_uvicorn_flags() -> list[str]:
    """The uvicorn flags of the backend image's CMD, less the listen address and port."""
    line = next(line for line in DOCKERFILE.read_text().splitlines() if line.startswith("CMD ["))
    args: list[str] = json.loads(line.removeprefix("CMD "))
    flags = args[args.index("app.main:app") + 1 :]
    for option in ("--host", "--port"):
        index = flags.index(option)
        del flags[index : index + 2]
    return flags


def start_backend(
    stack: ExitStack, port: int, env: dict[str, str], log: Path
) -> subprocess.Popen[bytes]:
    """One uvicorn replica of app.main:app on loopback, with the image's flags.

    As docker-compose.yml sets FORWARDED_ALLOW_IPS to nginx's address, it is set to the
    loopback address nginx connects from here.
    """
    proc = stack.enter_context(
        process(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "app.main:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                *dockerfile_uvicorn_flags(),
            ],
            log,
            cwd=BACKEND,
            env={**env, "FORWARDED_ALLOW_IPS": "127.0.0.1"},
        )
    )
    wait_http(f"http://127.0.0.1:{port}/health", proc, log)
    return proc


def wait_until_served(url: str, tls: ssl.SSLContext, seconds: float = 30) -> None:
    """Poll an HTTPS URL until nginx answers (bounded)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(url, verify=tls, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"nginx did not answer {url} in {seconds}s")
