"""A real server: uvicorn on a loopback port, a real SQLite file, the session model."""

from __future__ import annotations

import os
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn

from api.app import create_app
from api.settings import Settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running(app):
    """Serve `app` with uvicorn on a free loopback port in a thread; yields (base URL, app)."""
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    """A fresh database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'briefs.db'}"
    name = f"briefs_{request.module.__name__.rsplit('.', 1)[-1]}"
    return request.getfixturevalue("postgres").fresh_database(name)


@pytest.fixture(scope="module")
def server(trained_model_dir, database_url):
    """Base URL and app of a running server with an editor, an administrator and officers of two units."""
    settings = Settings(database_url=database_url, model_dir=trained_model_dir, secret_key="k" * 48,
                        max_body_bytes=200_000)
    with running(create_app(settings)) as (base, app):
        service = app.state.service
        service.add_user("editor1", "editor-pass-1", "editor")
        service.add_user("admin1", "admin-pass-1", "admin")
        service.add_user("officer_a", "officer-pass-a", "officer", unit="清河县农业农村局")
        service.add_user("officer_b", "officer-pass-b", "officer", unit="安平县应急管理局")
        yield base, app


def login(base: str, username: str, password: str) -> httpx.Client:
    """An HTTP client carrying a bearer token for the user."""
    r = httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {r.json()['access_token']}"}, timeout=60)


@pytest.fixture(scope="module")
def editor(server):
    return login(server[0], "editor1", "editor-pass-1")


@pytest.fixture(scope="module")
def officer_a(server):
    return login(server[0], "officer_a", "officer-pass-a")


@pytest.fixture(scope="module")
def officer_b(server):
    return login(server[0], "officer_b", "officer-pass-b")


# Debian's Chromium as root in a closed network: no sandbox, no background connections.
def follow(page, selector: str) -> None:
    """Click something that loads a new page, and wait for that page."""
    with page.expect_navigation():
        page.click(selector)


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SCREENSHOTS = Path(os.environ.get("BRIEFS_SCREENSHOTS", "var/screenshots"))


def screenshot(page, name: str) -> Path:
    """A full-page picture for a reviewer, in var/screenshots/ (BRIEFS_SCREENSHOTS elsewhere),
    named by the journey and the viewport width: `queue-undo-390.png`."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{page.viewport_size['width']}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def page_in_browser(browser, base: str, username: str, password: str, viewport: dict | None = None):
    """A new browser context logged in through the login form; `page.dialogs` collects any alert.
    `viewport` is DESKTOP unless given (PHONE for the 390 px journeys); a phone context has touch."""
    viewport = viewport or DESKTOP
    context = browser.new_context(viewport=viewport, locale="zh-CN",
                                  has_touch=viewport["width"] < 600, is_mobile=viewport["width"] < 600)
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    follow(page, "button:has-text('登录')")
    return page
