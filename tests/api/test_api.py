"""The API over real HTTP: roles enforced on the server, idempotent submission, errors as JSON."""

import threading
import uuid

import httpx

from tests.api.conftest import login

WARNING = {"title": "小麦赤霉病在我县南部乡镇出现扩散苗头",
           "body": "今天上午,县植保站对南部5个乡镇开展病情调查,调查田块86块,发现赤霉病病穗的有31块,占36%,比去年同期明显偏高。"
                   "据气象部门预报,未来10天仍有2至3次降雨,病害可能进一步扩散。建议县财政安排应急资金120万元,组织统防统治。"}
MEETING = {"title": "安平县召开安全生产工作会议",
           "body": "今天上午,县政府召开全县安全生产工作会议,传达学习上级会议精神,部署下一阶段工作。会议强调,各乡镇、各部门要压实责任,狠抓落实。"}


def test_only_login_and_health_work_without_a_token(server):
    base, _ = server
    r = httpx.get(f"{base}/api/v1/healthz")
    assert r.status_code == 200 and r.json()["model_version"] == "test-model"
    for method, path in [("GET", "/api/v1/briefs"), ("GET", "/api/v1/queue"), ("POST", "/api/v1/check"),
                         ("POST", "/api/v1/briefs"), ("GET", "/api/v1/briefs/x"),
                         ("POST", "/api/v1/briefs/x/decisions")]:
        r = httpx.request(method, f"{base}{path}", json={})
        assert r.status_code == 401 and r.json()["code"] == "unauthorized", (path, r.text)
    r = httpx.get(f"{base}/api/v1/briefs", headers={"Authorization": "Bearer forged.token.here"})
    assert r.status_code == 401


def test_wrong_password_is_refused(server):
    r = httpx.post(f"{server[0]}/api/v1/auth/token", data={"username": "editor1", "password": "guess"})
    assert r.status_code == 401 and r.json() == {"code": "invalid_credentials", "message": "用户名或密码错误"}


def test_passwords_are_stored_hashed(server):
    from sqlalchemy import select

    from storage.tables import User

    service = server[1].state.service
    with service.sessions() as session:
        hashes = session.scalars(select(User.password_hash)).all()
    assert hashes and all(h.startswith("$argon2id$") and "pass" not in h for h in hashes)


def test_self_check_stores_nothing(officer_a, editor):
    before = editor.get("/api/v1/briefs").json()["total"]
    r = officer_a.post("/api/v1/check", json=WARNING)
    assert r.status_code == 200
    review = r.json()
    assert review["category"] in ("trend", "problem", "proposal") and review["model_version"] == "test-model"
    assert editor.get("/api/v1/briefs").json()["total"] == before


def test_submit_is_idempotent_with_a_key(officer_a, editor):
    key = str(uuid.uuid4())
    first = officer_a.post("/api/v1/briefs", json=WARNING, headers={"Idempotency-Key": key})
    assert first.status_code == 201
    total = editor.get("/api/v1/briefs").json()["total"]
    again = officer_a.post("/api/v1/briefs", json=WARNING, headers={"Idempotency-Key": key})
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert editor.get("/api/v1/briefs").json()["total"] == total
    body = first.json()
    assert body["unit"] == "清河县农业农村局" and body["status"] == "submitted"
    assert body["review"]["model_version"] == "test-model"


def test_officers_see_only_their_own_unit(officer_a, officer_b):
    mine = officer_b.post("/api/v1/briefs", json=MEETING).json()
    other = officer_a.post("/api/v1/briefs", json=WARNING).json()
    r = officer_a.get(f"/api/v1/briefs/{mine['id']}")
    assert r.status_code == 404 and r.json()["code"] == "not_found"  # never reveals it exists
    assert officer_b.get(f"/api/v1/briefs/{mine['id']}").status_code == 200
    units = {item["unit"] for item in officer_b.get("/api/v1/briefs").json()["items"]}
    assert units == {"安平县应急管理局"}
    assert other["id"] not in [i["id"] for i in officer_b.get("/api/v1/briefs").json()["items"]]


def test_officers_cannot_reach_editor_endpoints(officer_a, officer_b):
    target = officer_b.post("/api/v1/briefs", json=MEETING).json()["id"]
    assert officer_a.get("/api/v1/queue").status_code == 403
    r = officer_a.post(f"/api/v1/briefs/{target}/decisions", json={"action": "adopt", "level": "city"})
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = officer_b.post(f"/api/v1/briefs/{target}/decisions", json={"action": "adopt", "level": "city"})
    assert r.status_code == 403


def test_editor_queue_ranks_and_decisions_earn_points(officer_a, officer_b, editor):
    warning = officer_a.post("/api/v1/briefs", json=WARNING).json()["id"]
    meeting = officer_b.post("/api/v1/briefs", json=MEETING).json()["id"]
    ids = [i["id"] for i in editor.get("/api/v1/queue", params={"limit": 200}).json()["items"]]
    assert ids.index(warning) < ids.index(meeting)
    r = editor.post(f"/api/v1/briefs/{warning}/decisions", json={"action": "adopt", "level": "county"})
    assert r.status_code == 201 and r.json()["status"] == "adopted"
    editor.post(f"/api/v1/briefs/{warning}/decisions", json={"action": "adopt", "level": "city"})
    r = editor.post(f"/api/v1/briefs/{warning}/decisions",
                    json={"action": "instruction", "level": "city", "text": "此事要引起高度重视"})
    points = r.json()["points"]
    assert points == {"submitted": 0.5, "adoption": 8, "instruction": 15, "total": 23.5}  # highest only
    assert [d["action"] for d in r.json()["decisions"]] == ["adopt", "adopt", "instruction"]
    assert warning not in [i["id"] for i in editor.get("/api/v1/queue", params={"limit": 200}).json()["items"]]
    # the officer sees the decisions on their own brief
    assert len(officer_a.get(f"/api/v1/briefs/{warning}").json()["decisions"]) == 3


def test_concurrent_decisions_are_both_kept(officer_a, editor):
    target = officer_a.post("/api/v1/briefs", json=WARNING).json()["id"]
    results = []

    def decide(text):
        results.append(editor.post(f"/api/v1/briefs/{target}/decisions",
                                   json={"action": "return", "text": text}).status_code)

    threads = [threading.Thread(target=decide, args=(f"意见{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [201] * 6
    texts = sorted(d["text"] for d in editor.get(f"/api/v1/briefs/{target}").json()["decisions"])
    assert texts == sorted(f"意见{i}" for i in range(6))


def test_bad_input_gets_json_errors_never_500(officer_a, editor):
    cases = [
        (officer_a.post("/api/v1/briefs", content=b"{not json", headers={"Content-Type": "application/json"}),
         422, "invalid_request"),
        (officer_a.post("/api/v1/briefs", json={"title": 5, "body": []}), 422, "invalid_request"),
        (officer_a.post("/api/v1/briefs", json={"title": "", "body": ""}), 422, "empty_brief"),
        (officer_a.post("/api/v1/check", json={"title": "x", "extra": 1}), 422, "invalid_request"),
        (officer_a.post("/api/v1/briefs", content=b"x" * 300_000, headers={"Content-Type": "application/json"}),
         413, "payload_too_large"),
        (editor.get("/api/v1/briefs/no-such-id"), 404, "not_found"),
        (editor.post("/api/v1/briefs/no-such-id/decisions", json={"action": "reject"}), 404, "not_found"),
        (editor.post("/api/v1/briefs/x/decisions", json={"action": "promote"}), 422, "invalid_request"),
        (editor.get("/api/v1/queue", params={"limit": 0}), 422, "invalid_request"),
        (editor.get("/api/v1/nowhere"), 404, "http_404"),
    ]
    for response, status, code in cases:
        assert response.status_code == status, response.text
        body = response.json()
        assert body["code"] == code and any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body
    target = officer_a.post("/api/v1/briefs", json=WARNING).json()["id"]
    for payload, code in [({"action": "adopt", "level": "town"}, "invalid_level"),
                          ({"action": "return"}, "comment_required"),
                          ({"action": "recategorise", "category": "news"}, "invalid_category")]:
        r = editor.post(f"/api/v1/briefs/{target}/decisions", json=payload)
        assert r.status_code == 422 and r.json()["code"] == code
    assert editor.get(f"/api/v1/briefs/{target}").json()["decisions"] == []  # nothing half-written


def test_concurrent_retries_with_one_key_make_one_brief(officer_a, editor):
    key = str(uuid.uuid4())
    ids = []

    def submit():
        r = officer_a.post("/api/v1/briefs", json=MEETING, headers={"Idempotency-Key": key})
        ids.append((r.status_code, r.json().get("id")))

    before = editor.get("/api/v1/briefs").json()["total"]
    threads = [threading.Thread(target=submit) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {status for status, _ in ids} == {201} and len({i for _, i in ids}) == 1, ids
    assert editor.get("/api/v1/briefs").json()["total"] == before + 1


def test_returned_brief_is_resubmitted_as_a_new_version(officer_a, officer_b, editor):
    brief = officer_a.post("/api/v1/briefs", json=MEETING).json()["id"]
    r = officer_a.post(f"/api/v1/briefs/{brief}/versions", json=WARNING)
    assert r.status_code == 409 and r.json()["code"] == "not_returned"  # not returned yet
    editor.post(f"/api/v1/briefs/{brief}/decisions", json={"action": "return", "text": "请补充会议取得的成效"})
    assert officer_b.post(f"/api/v1/briefs/{brief}/versions", json=WARNING).status_code == 404
    r = officer_a.post(f"/api/v1/briefs/{brief}/versions", json=WARNING)
    assert r.status_code == 201
    body = r.json()
    assert body["status"] == "resubmitted" and body["version"] == 2 and body["title"] == WARNING["title"]
    assert [v["title"] for v in body["versions"]] == [MEETING["title"], WARNING["title"]]
    assert body["decisions"][0]["text"] == "请补充会议取得的成效"
    assert brief in [i["id"] for i in editor.get("/api/v1/queue", params={"limit": 200}).json()["items"]]


def test_check_accepts_docx_and_txt_uploads(officer_a, tmp_path):
    from docx import Document

    doc = Document()
    doc.add_paragraph(WARNING["title"])
    doc.add_paragraph(WARNING["body"])
    doc.save(tmp_path / "draft.docx")
    r = officer_a.post("/api/v1/check/file", files={"file": ("draft.docx", (tmp_path / "draft.docx").read_bytes())},
                       data={"unit": "清河县农业农村局"})
    assert r.status_code == 200 and r.json()["category"] in ("trend", "problem", "proposal")
    txt = f"{MEETING['title']}\n{MEETING['body']}".encode()
    r = officer_a.post("/api/v1/check/file", files={"file": ("d.txt", txt)})
    assert r.status_code == 200 and r.json()["category"] == "routine"
    for name, data, code in [("d.docx", b"not a docx", "invalid_docx"), ("d.txt", b"", "empty_brief"),
                             ("d.pdf", b"%PDF", "unsupported_format"), ("d.txt", "标题".encode("gbk"), "invalid_encoding")]:
        r = officer_a.post("/api/v1/check/file", files={"file": (name, data)})
        assert r.status_code == 422 and r.json()["code"] == code, (name, r.text)


def test_queue_filters_by_flag_category_and_date(officer_a, editor):
    from datetime import timedelta

    from review import clock

    meeting = officer_a.post("/api/v1/briefs", json=MEETING).json()
    codes = [f["code"] for f in meeting["review"]["flags"]]
    assert "routine_news" in codes
    flagged = editor.get("/api/v1/queue", params={"flag": "routine_news", "limit": 200}).json()["items"]
    assert meeting["id"] in [i["id"] for i in flagged]
    for item in flagged:
        full = editor.get(f"/api/v1/briefs/{item['id']}").json()
        assert "routine_news" in [f["code"] for f in full["review"]["flags"]]
    today = clock.today()
    in_range = editor.get("/api/v1/queue", params={"from": today.isoformat(), "to": today.isoformat(),
                                                    "limit": 200}).json()
    assert meeting["id"] in [i["id"] for i in in_range["items"]]
    later = (today + timedelta(days=1)).isoformat()
    assert editor.get("/api/v1/queue", params={"from": later, "to": later}).json()["total"] == 0
    routine = editor.get("/api/v1/queue", params={"category": "routine", "limit": 200}).json()["items"]
    assert routine and {i["category"] for i in routine} == {"routine"}
    assert editor.get("/api/v1/queue", params={"flag": "x;drop"}).status_code == 422


def test_only_administrators_manage_users_and_read_the_audit_log(server, officer_a, editor):
    base = server[0]
    admin = login(base, "admin1", "admin-pass-1")
    for client in (officer_a, editor):
        assert client.get("/api/v1/admin/users").status_code == 403
        assert client.get("/api/v1/admin/audit").status_code == 403
        r = client.post("/api/v1/admin/users", json={"username": "mole", "password": "mole-pass-1", "role": "admin"})
        assert r.status_code == 403 and r.json()["code"] == "forbidden"
        assert client.post("/api/v1/admin/users/officer_b/disable").status_code == 403
    assert "mole" not in {u["username"] for u in admin.get("/api/v1/admin/users").json()}

    r = admin.post("/api/v1/admin/users", json={"username": "temp_officer", "password": "temp-pass-1",
                                                "role": "officer", "unit": "安平县应急管理局"})
    assert r.status_code == 201 and r.json() == {"username": "temp_officer", "role": "officer",
                                                 "unit": "安平县应急管理局", "active": True, "unit_head": False}
    r = admin.post("/api/v1/admin/users", json={"username": "no_unit", "password": "temp-pass-1", "role": "officer"})
    assert r.status_code == 422 and r.json()["code"] == "unit_required"
    r = admin.post("/api/v1/admin/users", json={"username": "weak", "password": "short", "role": "editor"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_request"
    temp = login(base, "temp_officer", "temp-pass-1")
    assert temp.get("/api/v1/briefs").status_code == 200
    r = admin.post("/api/v1/admin/users/temp_officer/disable")
    assert r.status_code == 200 and r.json()["active"] is False
    assert temp.get("/api/v1/briefs").status_code == 401  # the old token stops working at once
    assert admin.post("/api/v1/admin/users/admin1/disable").json()["code"] == "cannot_disable_self"
    assert admin.post("/api/v1/admin/users/ghost/disable").status_code == 404

    audit = admin.get("/api/v1/admin/audit", params={"limit": 500}).json()
    actions = [(e["user"], e["action"], e["target"]) for e in audit["items"]]
    assert ("admin1", "user_add", "temp_officer") in actions and ("admin1", "user_disable", "temp_officer") in actions


def test_a_brief_with_a_secrecy_marking_is_refused_but_self_checked(officer_a, editor):
    marked = {"title": WARNING["title"], "body": "(内部资料 注意保存)" + WARNING["body"]}
    r = officer_a.post("/api/v1/check", json=marked)
    assert r.status_code == 200 and "classified" in [f["code"] for f in r.json()["flags"]]
    before = editor.get("/api/v1/briefs").json()["total"]
    r = officer_a.post("/api/v1/briefs", json=marked)
    assert r.status_code == 422 and r.json()["code"] == "classified_content"
    assert "内部资料" in r.json()["message"] and "涉密" in r.json()["message"]
    assert editor.get("/api/v1/briefs").json()["total"] == before  # nothing stored
    # A sentence about secrecy is not a marking: that brief goes through.
    mention = {"title": WARNING["title"], "body": WARNING["body"] + "个别部门以数据涉密为由不愿共享调查结果。"}
    r = officer_a.post("/api/v1/briefs", json=mention)
    assert r.status_code == 201 and "classified" not in [f["code"] for f in r.json()["review"]["flags"]]
