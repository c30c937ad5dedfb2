"""Typed dependencies for the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from api.services import Caller, ReviewService

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_service(request: Request) -> ReviewService:
    """The service the app's lifespan created."""
    return request.app.state.service


ServiceDep = Annotated[ReviewService, Depends(get_service)]


def get_caller(service: ServiceDep, token: Annotated[str | None, Depends(oauth2)]) -> Caller:
    """The authenticated caller; 401 without a valid bearer token."""
    return service.caller(token)


CallerDep = Annotated[Caller, Depends(get_caller)]
