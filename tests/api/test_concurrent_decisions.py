"""Concurrent decisions on one brief, on both databases: the status always follows the history.

Each trial submits a brief and sends 12 decisions at once from separate connections
(adopt, return, reject in a fixed mix). Whatever order they commit in, the brief's status
must be what replaying its recorded decisions in order gives.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.api.conftest import login

BODY = ("3月以来,全镇组织党员干部进村入户走访群众1200余户,收集意见建议86条,已办结71条,"
        "群众满意率达到96%。下一步将建立问题台账,逐项销号。")
ACTIONS = [{"action": "adopt", "level": "city"}, {"action": "return", "text": "请补充数据来源"},
           {"action": "reject"}] * 4


def replay(decisions: list[dict]) -> str:
    """The status a brief must have after its decisions, applied in the order recorded."""
    status = "submitted"
    for d in decisions:
        if d["action"] == "adopt":
            status = "adopted"
        elif d["action"] == "return":
            status = "returned"
        elif d["action"] == "reject" and status != "adopted":
            status = "rejected"
    return status


def test_concurrent_decisions_leave_status_consistent_with_history(server, officer_a):
    base, _app = server
    editors = [login(base, "editor1", "editor-pass-1") for _ in ACTIONS]
    for trial in range(6):
        r = officer_a.post("/api/v1/briefs", json={"title": f"第{trial}次并发决定测试:走访群众", "body": BODY})
        assert r.status_code == 201, r.text
        brief_id = r.json()["id"]

        def decide(pair, brief_id=brief_id):
            client, payload = pair
            return client.post(f"/api/v1/briefs/{brief_id}/decisions", json=payload).status_code

        with ThreadPoolExecutor(len(ACTIONS)) as pool:
            codes = list(pool.map(decide, zip(editors, ACTIONS)))
        assert codes == [201] * len(ACTIONS)
        brief = editors[0].get(f"/api/v1/briefs/{brief_id}").json()
        assert len(brief["decisions"]) == len(ACTIONS)
        assert brief["status"] == replay(brief["decisions"]), (trial, [d["action"] for d in brief["decisions"]])
    for client in editors:
        client.close()


def test_a_retried_decision_with_the_same_idempotency_key_is_recorded_once(server, officer_a, editor):
    brief_id = officer_a.post("/api/v1/briefs", json={"title": "重试决定测试:村级道路养护", "body": BODY}).json()["id"]
    key = {"Idempotency-Key": "decision-retry-1"}
    first = editor.post(f"/api/v1/briefs/{brief_id}/decisions", json={"action": "adopt", "level": "county"},
                        headers=key)
    again = editor.post(f"/api/v1/briefs/{brief_id}/decisions", json={"action": "adopt", "level": "county"},
                        headers=key)
    assert first.status_code == 201 and again.status_code == 201
    assert again.json() == first.json()
    assert [d["action"] for d in again.json()["decisions"]] == ["adopt"]
    # the same key on another brief is a different decision, not a replay
    other = officer_a.post("/api/v1/briefs", json={"title": "重试决定测试:另一条", "body": BODY}).json()["id"]
    r = editor.post(f"/api/v1/briefs/{other}/decisions", json={"action": "reject"}, headers=key)
    assert r.status_code == 201 and [d["action"] for d in r.json()["decisions"]] == ["reject"]
    # a key reused for a different decision on the same brief is refused, not silently replayed
    r = editor.post(f"/api/v1/briefs/{brief_id}/decisions", json={"action": "reject"}, headers=key)
    assert r.status_code == 409 and r.json()["code"] == "idempotency_mismatch"
