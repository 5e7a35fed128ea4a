"""Token responses and refresh/logout bodies."""

from pydantic import BaseModel

from app.core.schemas import InputModel


class TokenPair(BaseModel):
    """An access JWT and a rotating refresh token."""

    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 (OAuth2 token type, not a secret)
    expires_in: int


class RefreshRequest(InputModel):
    """A refresh token to rotate or revoke."""

    refresh_token: str
