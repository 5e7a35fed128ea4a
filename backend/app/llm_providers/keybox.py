"""API keys at rest: Fernet encryption under a key derived from SECRET_KEY (HKDF-SHA256)."""

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.core.errors import ServiceUnavailable

_INFO = b"training-platform/llm-provider-api-keys/v1"


def _fernet(secret_key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt(secret_key: str, api_key: str) -> str:
    """The key encrypted for storage."""
    return _fernet(secret_key).encrypt(api_key.encode()).decode()


def decrypt(secret_key: str, token: str) -> str:
    """The stored key in clear; a changed SECRET_KEY makes stored keys unreadable."""
    try:
        return _fernet(secret_key).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ServiceUnavailable(
            "The stored API key cannot be decrypted (SECRET_KEY changed?); enter the key again.",
            code="provider_key_unreadable",
        ) from exc
