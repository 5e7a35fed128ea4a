"""Server paths out of what a client sees: error messages, details, job errors."""

import re
import sys
import tempfile
from typing import Any

from app.core.config import Settings

SERVER_PATH = "<server path>"


def server_roots(settings: Settings | None) -> list[str]:
    """Folders of this server whose paths must not reach a client, longest first."""
    roots = {tempfile.gettempdir(), sys.prefix, sys.base_prefix}
    if settings is not None:
        roots |= {
            str(settings.data_storage_path),
            str(settings.model_storage_path),
            str(settings.log_dir),
            str(settings.frontend_dist.parent.parent),
        }
    return sorted((r for r in roots if len(r) > 1), key=len, reverse=True)


def scrub_server_paths(value: Any, roots: list[str]) -> Any:
    """The value (text, or lists/dicts of it) with paths under `roots` replaced."""
    if isinstance(value, str):
        for root in roots:
            value = re.sub(re.escape(root) + r"[^\s'\",;:)\]]*", SERVER_PATH, value)
        return value
    if isinstance(value, list):
        return [scrub_server_paths(item, roots) for item in value]
    if isinstance(value, dict):
        return {key: scrub_server_paths(item, roots) for key, item in value.items()}
    return value
