"""Serve the built web console at `/` (embedded mode), with a single-page-app fallback."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from starlette.convertors import Convertor, register_url_convertor

from app.core.errors import NotFound

# Paths that belong to the backend: the console's route never matches them, so they keep
# their own 404/405 answers instead of the console's index.html.
RESERVED_PREFIXES = ("api", "v1", "ws", "health", "ready", "metrics")
IMMUTABLE = "public, max-age=31536000, immutable"


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


def frontend_available(dist: Path) -> bool:
    """True when `dist` holds a built console (an index.html)."""
    return (dist / "index.html").is_file()


def mount_frontend(app: FastAPI, dist: Path) -> None:
    """Add the catch-all route that serves the console; include it after every API router."""
    root = dist.resolve()
    index = root / "index.html"

    @app.get("/{path:console}", include_in_schema=False)
    def console(path: str) -> FileResponse:
        """A built asset, or index.html for a client-side route."""
        found = _resolve_file(root, path)
        if found is not None:
            cache = IMMUTABLE if path.startswith("assets/") else "no-cache"
            return FileResponse(found, headers={"Cache-Control": cache})
        if path.startswith("assets/"):
            raise NotFound(f"No asset /{path}.", code="asset_not_found")
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
