"""Serve the built web console at `/` (embedded mode), with a single-page-app fallback."""

import mimetypes
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse
from starlette.convertors import Convertor, register_url_convertor

from app.core.errors import NotFound

# Paths that belong to the backend: the console's route never matches them, so they keep
# their own 404/405 answers instead of the console's index.html.
RESERVED_PREFIXES = ("api", "v1", "ws", "health", "ready", "metrics")
IMMUTABLE = "public, max-age=31536000, immutable"
# Encodings the build writes next to each text asset, preferred first.
PRECOMPRESSED = (("br", ".br"), ("gzip", ".gz"))


class ConsolePathConvertor(Convertor[str]):
    """Any path except those under a reserved prefix."""

    regex = r"(?!(?:" + "|".join(RESERVED_PREFIXES) + r")(?:/|$)).*"

    def convert(self, value: str) -> str:
        """The path as matched."""
        return value

    def to_string(self, value: str) -> str:
        """The path as written."""
        return value


register_url_convertor("console", ConsolePathConvertor())


def _resolve_file(dist: Path, path: str) -> Path | None:
    """The file under `dist` named by `path`, or None (never a path outside `dist`)."""
    if not path:
        return None
    candidate = (dist / path).resolve()
    if not candidate.is_relative_to(dist) or not candidate.is_file():
        return None
    return candidate


def _accepted_encodings(header: str) -> set[str]:
    """The content codings an Accept-Encoding header allows (q=0 excluded)."""
    accepted = set()
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if name and params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000"):
            accepted.add(name.strip().lower())
    return accepted


def _file_response(found: Path, request: Request, cache: str) -> FileResponse:
    """`found`, or its pre-compressed twin when the client accepts that encoding."""
    media_type = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
    headers = {"Cache-Control": cache, "Vary": "Accept-Encoding"}
    accepted = _accepted_encodings(request.headers.get("accept-encoding", ""))
    for encoding, suffix in PRECOMPRESSED:
        twin = found.with_name(found.name + suffix)
        if encoding in accepted and twin.is_file():
            headers["Content-Encoding"] = encoding
            return FileResponse(twin, media_type=media_type, headers=headers)
    return FileResponse(found, media_type=media_type, headers=headers)


def frontend_available(dist: Path) -> bool:
    """True when `dist` holds a built console (an index.html)."""
    return (dist / "index.html").is_file()


def mount_frontend(app: FastAPI, dist: Path) -> None:
    """Add the catch-all route that serves the console; include it after every API router."""
    root = dist.resolve()
    index = root / "index.html"

    @app.get("/{path:console}", include_in_schema=False)
    def console(path: str, request: Request) -> FileResponse:
        """A built asset (pre-compressed when accepted), or index.html for a client-side route."""
        found = _resolve_file(root, path)
        if found is not None:
            cache = IMMUTABLE if path.startswith("assets/") else "no-cache"
            return _file_response(found, request, cache)
        if path.startswith("assets/"):
            raise NotFound(f"No asset /{path}.", code="asset_not_found")
        return _file_response(index, request, "no-cache")
