"""The web pages: server-rendered Chinese HTML over the same `ReviewService` as the API.

Sessions are the API's signed access token kept in an HttpOnly, SameSite=Strict cookie.
Every form that changes something carries a CSRF token derived from the session (an HMAC
of the session token), checked on the server; the login form, made before any session
exists, uses a double-submit cookie. Templates autoescape all user text.

One module per group of pages, each with its own router:

    base           sessions, CSRF, rendering, shared helpers
    sessions       login, logout, home
    drafts         the officer's self-check, submission, revision
    desk           the editors' brief page, queue, clusters, search, topics
    followthrough  审签, 续报 chains, 批示 follow-ups
    report         the monthly 通报 and its exports
    admin          settings, roster, models, users, audit
"""

from __future__ import annotations

from fastapi import APIRouter

from api.pages import admin, desk, drafts, followthrough, report, sessions

router = APIRouter(include_in_schema=False)
for part in (sessions, drafts, desk, followthrough, report, admin):
    router.include_router(part.router)
