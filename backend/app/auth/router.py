"""Sign-in, token refresh and sign-out."""

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.security import OAuth2PasswordRequestForm

from app.api.deps import ClientIP, DatabaseDep, SessionDep, SettingsDep
from app.auth import service
from app.auth.schemas import RefreshRequest, TokenPair

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/login", operation_id="login")
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    db: DatabaseDep,
    settings: SettingsDep,
    ip: ClientIP,
) -> TokenPair:
    """Exchange username and password for tokens."""
    return service.login(
        session, db, settings, username=form.username, password=form.password, ip=ip
    )


@router.post("/refresh", operation_id="refresh_token")
def refresh(
    body: RefreshRequest, session: SessionDep, db: DatabaseDep, settings: SettingsDep, ip: ClientIP
) -> TokenPair:
    """Rotate the refresh token and get a new access token."""
    return service.refresh(session, db, settings, refresh_token=body.refresh_token, ip=ip)


@router.post("/logout", status_code=204, operation_id="logout")
def logout(body: RefreshRequest, session: SessionDep) -> Response:
    """Revoke the refresh token's whole sign-in."""
    service.logout(session, refresh_token=body.refresh_token)
    return Response(status_code=204)
