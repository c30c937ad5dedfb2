"""What a careless or hostile client can send, over real HTTP on both databases.

Every request here once answered 500 (or was read whole); each must now be a 4xx with a
stable code and a Chinese message, and the server must keep serving on the same connection.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.api.test_pages import page_login
from tests.docx_files import document_xml, docx, zip_bomb

LIMIT = 200_000  # the server fixture's max_body_bytes
BODY = "今年以来,全县新建农村公路46公里,改造危桥7座,群众出行条件明显改善。"
ASCII_WORDS = re.compile(r"[A-Za-z]{4,}")


def refused(r, status: int, code: str) -> dict:
    """The response is `status` with `code` and a Chinese message that leaks no English sentence."""
    assert r.status_code == status, (r.status_code, r.text[:300])
    payload = r.json()
    assert payload["code"] == code, payload
    assert re.search(r"[\u4e00-\u9fff]", payload["message"]), payload
    assert not re.search(r"\b(Input|should|error|parsing|Value)\b", payload["message"]), payload
    return payload


def chunks(total: int, size: int = 64 * 1024):
    sent = 0
    while sent < total:
        yield b" " * min(size, total - sent)
        sent += size


def test_a_chunked_body_is_cut_at_the_limit_and_the_connection_kept(officer_a):
    body = b'{"title": "x", "body": "' + b"a" * 10 + b'"' + b" " * 0
    stream = iter([body, *chunks(5_000_000), b"}"])
    r = officer_a.post("/api/v1/check", content=stream, headers={"Content-Type": "application/json"})
    refused(r, 413, "payload_too_large")
    assert officer_a.post("/api/v1/check", json={"title": "道路", "body": BODY}).status_code == 200


def test_a_chunked_upload_is_cut_at_the_limit(officer_a):
    boundary = "brief-boundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
            "Content-Type: text/plain\r\n\r\n").encode()
    stream = iter([head, *chunks(3_000_000), f"\r\n--{boundary}--\r\n".encode()])
    r = officer_a.post("/api/v1/check/file", content=stream,
                       headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    refused(r, 413, "payload_too_large")


def test_a_declared_oversize_body_is_refused(officer_a):
    big = json.dumps({"title": "x", "body": "字" * LIMIT})
    refused(officer_a.post("/api/v1/check", content=big, headers={"Content-Type": "application/json"}),
            413, "payload_too_large")


@pytest.mark.parametrize("name, data, code", [
    ("bomb.docx", zip_bomb(150), "docx_too_large"),  # 150 MB from under 200 KB
    ("broken.docx", docx("<w:document><w:body><w:p>"), "invalid_docx"),
    ("huge-node.docx", docx(document_xml(["字" * (12 * 1024 * 1024 // 3)])), "docx_too_large"),
])
def test_hostile_word_files_are_refused_in_words(officer_a, name, data, code):
    assert len(data) < LIMIT
    r = officer_a.post("/api/v1/check/file", files={"file": (name, data)})
    payload = refused(r, 422, code)
    assert name in payload["message"]
    assert officer_a.get("/api/v1/healthz").status_code == 200


@pytest.mark.parametrize("event_at", ["0001-01-01T00:00+14:00", "9999-12-31T23:59-12:00", "1899-12-31T00:00:00"])
def test_event_times_beyond_any_calendar_are_refused(officer_a, event_at):
    payload = refused(officer_a.post("/api/v1/check", json={"title": "道路", "body": BODY, "event_at": event_at}),
                      422, "invalid_request")
    assert "event_at" in payload["message"] and "1900" in payload["message"]


@pytest.mark.parametrize("path", ["/api/v1/queue?to=9999-12-31", "/api/v1/queue?from=0001-01-01",
                                  "/api/v1/stats/units?from=2026-01-01&to=9999-12-31",
                                  "/api/v1/queue?to=0", "/api/v1/stats/units?from=20260101&to=2026-02-01"])
def test_dates_out_of_range_or_not_iso_are_refused(editor, path):
    payload = refused(editor.get(path), 422, "invalid_request")
    assert "to" in payload["message"] or "from" in payload["message"]


@pytest.mark.parametrize("path", ["/queue?to=9999-12-31", "/report?from=2026-01-01&to=9999-12-31"])
def test_pages_refuse_dates_out_of_range_with_a_page(server, path):
    client = page_login(server[0], "editor1", "editor-pass-1")
    r = client.get(path)
    assert r.status_code == 422 and "2199" in r.text and "Traceback" not in r.text


@pytest.mark.parametrize("path", ["/api/v1/briefs", "/api/v1/queue", "/api/v1/admin/audit"])
def test_offsets_past_any_integer_are_refused(server, path):
    from tests.api.conftest import login

    admin = login(server[0], "admin1", "admin-pass-1")
    refused(admin.get(path, params={"offset": 2 ** 63}), 422, "invalid_request")
    assert admin.get(path, params={"offset": 10}).status_code == 200


def test_nul_characters_are_refused_on_every_write(server, officer_a, editor):
    from tests.api.conftest import login

    refused(officer_a.post("/api/v1/briefs", json={"title": "道路\x00建设", "body": BODY}), 422, "invalid_text")
    brief_id = officer_a.post("/api/v1/briefs", json={"title": "道路建设", "body": BODY}).json()["id"]
    refused(editor.post(f"/api/v1/briefs/{brief_id}/decisions", json={"action": "return", "text": "请补充\x00数据"}),
            422, "invalid_text")
    refused(editor.post("/api/v1/topics", json={"title": "约稿\x00", "deadline": "2026-12-31T18:00:00+08:00"}),
            422, "invalid_text")
    refused(editor.get("/api/v1/queue", params={"unit": "清河\x00"}), 422, "invalid_text")
    r = login.__globals__["httpx"].post(f"{server[0]}/api/v1/auth/token", data={"username": "editor1\x00",
                                                                                "password": "editor-pass-1"})
    refused(r, 401, "invalid_credentials")
    admin = login(server[0], "admin1", "admin-pass-1")
    refused(admin.post("/api/v1/admin/users", json={"username": "u" * 81, "password": "long-enough-1",
                                                    "role": "editor"}), 422, "invalid_request")
    refused(admin.post("/api/v1/admin/users", json={"username": "new_officer", "password": "long-enough-1",
                                                    "role": "officer", "unit": "清河县\x00水利局"}),
            422, "invalid_text")
    assert "new_officer" not in [u["username"] for u in admin.get("/api/v1/admin/users").json()]
    # nothing was half-written: the brief has its one version and no decision
    brief = editor.get(f"/api/v1/briefs/{brief_id}").json()
    assert brief["decisions"] == [] and len(brief["versions"]) == 1


@pytest.mark.parametrize("content", [b'{"title": "\xff\xfe", "body": "x"}', b"[" * 90_000 + b"]" * 90_000])
def test_bodies_that_cannot_be_read_get_a_chinese_message(officer_a, content):
    r = officer_a.post("/api/v1/check", content=content, headers={"Content-Type": "application/json"})
    assert r.status_code in (400, 422)
    refused(r, r.status_code, "invalid_body" if r.status_code == 400 else "invalid_request")


@pytest.mark.parametrize("payload, field", [
    ({"title": 5, "body": "x"}, "title"),
    ({"title": "x" * 501, "body": "x"}, "title"),
    ({"title": "x", "body": "x", "extra": 1}, "extra"),
    ({"title": "x", "body": "x", "event_at": "昨天"}, "event_at"),
])
def test_validation_messages_are_chinese_and_name_the_field(officer_a, payload, field):
    message = refused(officer_a.post("/api/v1/check", json=payload), 422, "invalid_request")["message"]
    assert field in message


def test_pages_and_the_api_send_security_headers(server, officer_a):
    for r in (officer_a.get("/api/v1/healthz"), page_login(server[0], "officer_a", "officer-pass-a").get("/check")):
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
        assert "script-src 'self'" in r.headers["Content-Security-Policy"]


def test_logging_out_revokes_the_token(server):
    from tests.api.conftest import login

    client = login(server[0], "officer_b", "officer-pass-b")
    assert client.get("/api/v1/briefs").status_code == 200
    assert client.post("/api/v1/auth/logout").status_code == 204
    refused(client.get("/api/v1/briefs"), 401, "unauthorized")
    assert login(server[0], "officer_b", "officer-pass-b").get("/api/v1/briefs").status_code == 200


def test_a_page_logout_revokes_the_session_cookie(server):
    client = page_login(server[0], "officer_b", "officer-pass-b")
    cookie = dict(client.cookies)
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/check").text).group(1)
    assert client.post("/logout", data={"csrf": csrf}).status_code == 303
    replay = page_login.__globals__["httpx"].Client(base_url=server[0], cookies=cookie)
    r = replay.get("/check", follow_redirects=False)
    assert r.status_code in (303, 401) and "/login" in r.headers.get("location", "/login")


def test_failed_logins_are_throttled_per_account_with_a_chinese_message(server):
    import httpx

    url = f"{server[0]}/api/v1/auth/token"
    service = server[1].state.service
    service.add_user("guessed", "the-right-pass-1", "editor")
    codes = [httpx.post(url, data={"username": "guessed", "password": f"wrong-{i}"}).status_code for i in range(5)]
    assert codes == [401] * 5
    # the sixth try, even with the right password, waits
    payload = refused(httpx.post(url, data={"username": "guessed", "password": "the-right-pass-1"}),
                      429, "too_many_attempts")
    assert "分钟后再试" in payload["message"]
    # other accounts are not locked by it
    assert httpx.post(url, data={"username": "editor1", "password": "editor-pass-1"}).status_code == 200
    service.throttle.succeeded("guessed")  # an administrator's reset (the window would also pass)
    assert httpx.post(url, data={"username": "guessed", "password": "the-right-pass-1"}).status_code == 200


def test_an_empty_draft_is_refused_without_internal_names(officer_a):
    payload = refused(officer_a.post("/api/v1/check", json={"title": "", "body": "  "}), 422, "empty_brief")
    assert "draft" not in payload["message"] and "记录" not in payload["message"]
    assert "标题和正文" in payload["message"]
