"""Token responses and refresh/logout bodies."""

from app.core.schemas import InputModel
from pydantic import BaseModel


class TokenPair(BaseModel):
    """An access JWT and a rotating refresh token."""

    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int


class RefreshRequest(InputModel):
    """A refresh token to rotate or revoke."""

    refresh_token: str
