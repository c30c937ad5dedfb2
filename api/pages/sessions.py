"""Logging in and out, and the home page that sends each role to its start."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import ServiceDep
from api.errors import Conflict, ServiceError
from api.pages.base import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    CsrfField,
    PageCaller,
    check_csrf,
    home_url,
    render,
    safe_next,
)

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(caller: PageCaller):
    return RedirectResponse(home_url(caller), status_code=303)


@router.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says: send them to the SVG icon."""
    return RedirectResponse("/static/favicon.svg", status_code=301)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, service: ServiceDep, next: str | None = None):
    token = secrets.token_urlsafe(24)
    response = render(request, service, None, "login.html", login_csrf=token, next=safe_next(next) or "")
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", max_age=3600,
                        secure=request.url.scheme == "https")
    return response


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, service: ServiceDep, username: Annotated[str, Form(max_length=100)],
          password: Annotated[str, Form(max_length=200)], csrf: CsrfField = "",
          next: Annotated[str, Form(max_length=500)] = ""):
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, csrf):
        raise Conflict("登录页面已过期,请刷新后重新登录", code="csrf_failed", status=403)
    try:
        token = service.login(username, password, address=request.client.host if request.client else None)
    except ServiceError as exc:
        fresh = secrets.token_urlsafe(24)
        response = render(request, service, None, "login.html", http_status=exc.status, error=exc.message, username=username,
                          login_csrf=fresh, next=safe_next(next) or "")
        response.set_cookie(LOGIN_CSRF_COOKIE, fresh, httponly=True, samesite="strict", max_age=3600)
        return response
    caller = service.caller(token)
    response = RedirectResponse(safe_next(next) or home_url(caller), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict",
                        max_age=service.token_minutes * 60, secure=request.url.scheme == "https")
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, service: ServiceDep, csrf: CsrfField = ""):
    check_csrf(request, service, csrf)
    service.logout(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
