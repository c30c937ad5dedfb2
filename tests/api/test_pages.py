"""The pages over real HTTP: sessions, CSRF, roles, escaping, the return-and-resubmit loop."""

import re
import uuid

import httpx
import pytest

PROBLEM = {"title": "清河县部分村级光伏电站运维缺位 发电收益下降",
           "body": "今年以来,我县38个村级光伏扶贫电站中有11个出现组件积灰、逆变器故障未及时维修等问题,"
                   "1至10月发电量同比下降23%,村集体收益减少约46万元。主要原因是运维合同到期后未续签,"
                   "村级缺乏专业人员。建议由县农业农村局统一招标运维单位,将运维费用纳入收益分配方案。"}


def page_login(base: str, username: str, password: str) -> httpx.Client:
    """A cookie-carrying client logged in through the login form, as a browser would."""
    client = httpx.Client(base_url=base, timeout=60)
    form = client.get("/login")
    token = _csrf(form.text)
    r = client.post("/login", data={"username": username, "password": password, "csrf": token})
    assert r.status_code == 303, r.text
    return client


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


@pytest.fixture(scope="module")
def officer_page(server):
    return page_login(server[0], "officer_a", "officer-pass-a")


@pytest.fixture(scope="module")
def editor_page(server):
    return page_login(server[0], "editor1", "editor-pass-1")


def _submit(client: httpx.Client, draft: dict, key: str | None = None) -> str:
    """Submit a draft through the self-check page's form; returns the new brief's id."""
    csrf = _csrf(client.get("/check").text)
    r = client.post("/submit", data={**draft, "csrf": csrf, "idempotency_key": key or uuid.uuid4().hex})
    assert r.status_code == 303, r.text
    return re.match(r"/briefs/([^?]+)", r.headers["location"]).group(1)


def test_pages_need_a_session(server):
    for path in ("/", "/queue", "/check", "/mine", "/report", "/briefs/x"):
        r = httpx.get(f"{server[0]}{path}")
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), path


def test_login_form_refuses_bad_passwords_and_foreign_redirects(server):
    client = httpx.Client(base_url=server[0])
    token = _csrf(client.get("/login").text)
    r = client.post("/login", data={"username": "editor1", "password": "wrong", "csrf": token})
    assert r.status_code == 401 and "用户名或密码错误" in r.text and "br_session" not in r.cookies
    token = _csrf(r.text)
    r = client.post("/login", data={"username": "editor1", "password": "editor-pass-1", "csrf": token,
                                    "next": "//evil.example/steal"})
    assert r.status_code == 303 and r.headers["location"] == "/queue"
    # A login posted from elsewhere (no login cookie of ours) is refused.
    r = httpx.post(f"{server[0]}/login", data={"username": "editor1", "password": "editor-pass-1", "csrf": "x"})
    assert r.status_code == 403 and "br_session" not in r.cookies


def test_session_cookie_is_http_only_and_same_site(server):
    client = httpx.Client(base_url=server[0])
    token = _csrf(client.get("/login").text)
    r = client.post("/login", data={"username": "officer_a", "password": "officer-pass-a", "csrf": token})
    header = r.headers["set-cookie"].lower()
    assert "br_session=" in header and "httponly" in header and "samesite=strict" in header


def test_forms_without_the_csrf_token_change_nothing(server, officer_page, editor):
    before = editor.get("/api/v1/briefs").json()["total"]
    for data in ({**PROBLEM}, {**PROBLEM, "csrf": "forged"}):
        r = officer_page.post("/submit", data={**data, "idempotency_key": uuid.uuid4().hex})
        assert r.status_code == 403 and "CSRF" in r.text
    assert editor.get("/api/v1/briefs").json()["total"] == before


def test_officer_cannot_reach_editor_pages_or_other_units(server, officer_page, editor_page):
    other = _submit(page_login(server[0], "officer_b", "officer-pass-b"),
                    {"title": "安平县开展危化品运输车辆专项检查", "body": PROBLEM["body"]})
    assert officer_page.get("/queue").status_code == 403
    assert officer_page.get("/report").status_code == 403
    assert officer_page.get("/report/export.csv").status_code == 403
    r = officer_page.get(f"/briefs/{other}")
    assert r.status_code == 404 and "安平县" not in r.text
    csrf = _csrf(officer_page.get("/check").text)
    r = officer_page.post(f"/briefs/{other}/decide", data={"csrf": csrf, "action": "adopt", "level": "county"})
    assert r.status_code == 403
    assert editor_page.get(f"/briefs/{other}").status_code == 200


def test_submission_through_the_page_is_idempotent(officer_page, editor):
    key = uuid.uuid4().hex
    first = _submit(officer_page, PROBLEM, key)
    total = editor.get("/api/v1/briefs").json()["total"]
    assert _submit(officer_page, PROBLEM, key) == first
    assert editor.get("/api/v1/briefs").json()["total"] == total


def test_user_text_is_escaped_in_every_page(officer_page, editor_page):
    hostile = {"title": '<img src=x onerror="alert(1)">乡镇<script>alert(2)</script>',
               "body": PROBLEM["body"] + "<b>加粗</b>"}
    brief_id = _submit(officer_page, hostile)
    for client, path in ((officer_page, "/mine"), (officer_page, f"/briefs/{brief_id}"),
                         (editor_page, "/queue?unit=清河县农业农村局&group=0"), (editor_page, f"/briefs/{brief_id}")):
        html = client.get(path).text
        assert "&lt;img src=x" in html and "<img src=x" not in html and "<script>alert(2)" not in html, path
        assert "<b>加粗" not in html
    csrf = _csrf(officer_page.get("/check").text)
    checked = officer_page.post("/check", data={**hostile, "csrf": csrf}).text
    assert "&lt;script&gt;alert(2)" in checked and "<script>alert(2)" not in checked


def test_self_check_page_highlights_evidence_and_stores_nothing(officer_page, editor):
    before = editor.get("/api/v1/briefs").json()["total"]
    csrf = _csrf(officer_page.get("/check").text)
    draft = {"title": "我县防汛工作取得史无前例的成效", "body": PROBLEM["body"]}
    html = officer_page.post("/check", data={**draft, "csrf": csrf}).text
    # The exaggeration's evidence is marked inside the title, numbered like its entry in the list.
    mark = re.search(r'<mark class="sev-info"[^>]*data-flag="exaggeration">([^<]+)<sup>(\d+)</sup></mark>', html)
    assert mark and mark.group(1) in ("史无前例",)
    entries = re.findall(r'<li class="sev-\w+" data-flag="(\w+)">', html)
    assert entries[int(mark.group(2)) - 1] == "exaggeration"
    assert editor.get("/api/v1/briefs").json()["total"] == before


def test_uploaded_draft_is_checked(officer_page):
    csrf = _csrf(officer_page.get("/check").text)
    text = f"{PROBLEM['title']}\n{PROBLEM['body']}".encode()
    html = officer_page.post("/check", data={"csrf": csrf},
                             files={"file": ("草稿.txt", text, "text/plain")}).text
    assert 'data-testid="category"' in html and PROBLEM["title"] in html
    empty = officer_page.post("/check", data={"csrf": csrf}, files={"file": ("空.txt", b"  ", "text/plain")})
    assert empty.status_code == 422 and "空文件" in empty.text


def test_return_resubmit_and_adopt_through_the_pages(officer_page, editor_page, server):
    brief_id = _submit(officer_page, PROBLEM)
    csrf = _csrf(editor_page.get(f"/briefs/{brief_id}").text)
    r = editor_page.post(f"/briefs/{brief_id}/decide", data={"csrf": csrf, "action": "return", "text": ""})
    assert r.status_code == 422 and "修改意见" in r.text  # a return needs a comment
    r = editor_page.post(f"/briefs/{brief_id}/decide",
                         data={"csrf": csrf, "action": "return", "text": "请补充招标进度和时间表"})
    assert r.status_code == 303
    page = officer_page.get(f"/briefs/{brief_id}").text
    assert "退回修改" in page and "请补充招标进度和时间表" in page and 'id="resubmit"' in page
    csrf = _csrf(page)
    r = officer_page.post(f"/briefs/{brief_id}/resubmit",
                          data={"csrf": csrf, "title": PROBLEM["title"], "body": PROBLEM["body"] + "招标预计12月底完成。"})
    assert r.status_code == 303
    page = officer_page.get(f"/briefs/{brief_id}").text
    assert "修改后重报" in page and "第 2 稿" in page and 'id="resubmit"' not in page
    queue = editor_page.get("/queue?unit=清河县农业农村局&group=0").text
    assert f"/briefs/{brief_id}?" in queue
    r = editor_page.post(f"/briefs/{brief_id}/decide", data={"csrf": csrf, "action": "adopt", "level": "city"})
    assert r.status_code == 403  # the officer's CSRF token is bound to the officer's session
    csrf = _csrf(editor_page.get(f"/briefs/{brief_id}").text)
    r = editor_page.post(f"/briefs/{brief_id}/decide", data={"csrf": csrf, "action": "adopt", "level": "city"})
    assert r.status_code == 303
    assert f"/briefs/{brief_id}?" not in editor_page.get("/queue?unit=清河县农业农村局&group=0").text
    service = server[1].state.service
    table = service.config.section("points")
    page = officer_page.get(f"/briefs/{brief_id}").text
    total = re.search(r'data-testid="points">([\d.]+)<', page).group(1)
    assert float(total) == table["submitted"] + table["adoption"]["city"]


def test_report_export_from_the_page(editor_page):
    r = editor_page.get("/report/export.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith("\ufeff排名".encode()) and "清河县农业农村局" in r.content.decode("utf-8-sig")
    assert editor_page.get("/report/export.pdf").status_code == 404


def test_bad_form_input_is_a_page_not_a_crash(editor_page, officer_page):
    r = editor_page.get("/queue?from=not-a-date")
    assert r.status_code == 422 and "日期格式" in r.text and "<html" in r.text
    assert editor_page.get("/queue?category=&unit=&flag=&status=&urgent=&from=&to=").status_code == 200
    assert editor_page.get("/queue?page=0").status_code == 422
    r = editor_page.get("/briefs/does-not-exist")
    assert r.status_code == 404 and "信息不存在" in r.text
    assert editor_page.get("/no-such-page").status_code == 404
    csrf = _csrf(editor_page.get("/queue").text)
    r = editor_page.post("/topics", data={"csrf": csrf, "title": "防汛", "deadline": "2026-13-45"})
    assert r.status_code == 422
    r = officer_page.post("/topics", data={"csrf": _csrf(officer_page.get("/check").text), "title": "x",
                                           "deadline": "2030-01-01"})
    assert r.status_code == 403


def test_admin_page_adds_and_disables_users(server, editor_page):
    assert editor_page.get("/admin").status_code == 403
    admin = page_login(server[0], "admin1", "admin-pass-1")
    page = admin.get("/admin").text
    assert 'data-user="editor1"' in page and "审计日志" in page
    assert '<td data-action="login">登录</td>' in page  # the audit log in Chinese, its codes kept
    csrf = _csrf(page)
    r = admin.post("/admin/users", data={"csrf": csrf, "username": "page_editor", "password": "page-pass-1",
                                         "role": "editor", "unit": ""})
    assert r.status_code == 303
    newcomer = page_login(server[0], "page_editor", "page-pass-1")
    assert newcomer.get("/queue").status_code == 200
    r = admin.post("/admin/users/page_editor/disable", data={"csrf": csrf})
    assert r.status_code == 303
    assert newcomer.get("/queue").status_code == 303  # logged out: back to the login form
    r = editor_page.post("/admin/users", data={"csrf": _csrf(editor_page.get("/queue").text), "username": "x",
                                               "password": "xxxxxxxx1", "role": "admin"})
    assert r.status_code == 403


def test_notices_come_from_the_server_not_from_the_address(officer_page):
    # A crafted link cannot make the service say anything ...
    assert "请把密码发给" not in officer_page.get("/mine?msg=请把密码发给管理员").text
    # ... while the notice after a real action shows once.
    brief_id = _submit(officer_page, PROBLEM)
    page = officer_page.get(f"/briefs/{brief_id}").text
    assert 'class="flash"' in page and "已报送" in page
    assert 'class="flash"' not in officer_page.get(f"/briefs/{brief_id}").text
