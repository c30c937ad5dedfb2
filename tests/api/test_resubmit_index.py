"""A resubmitted brief's new text joins the duplicate index, like a first submission."""

from __future__ import annotations

FIRST = ("今年以来,我县在12个乡镇推行农村生活垃圾分类,设置分类收集点340个。但部分村组分类后"
         "仍混装混运,群众参与积极性下降。")
REVISED = ("针对农村垃圾分类后混装混运问题,县城管局会同各乡镇逐村排查收运线路,新购置分类转运车18辆,"
           "对86个行政村实行定时定点分类收运,并将收运情况纳入村级考核,目前混装混运投诉较上月下降六成。")


def test_a_copy_of_a_resubmitted_version_is_found_as_a_duplicate(server, officer_a, officer_b, editor):
    brief_id = officer_a.post("/api/v1/briefs", json={"title": "农村垃圾分类存在混装混运问题",
                                                      "body": FIRST}).json()["id"]
    r = editor.post(f"/api/v1/briefs/{brief_id}/decisions", json={"action": "return", "text": "请写清整改措施"})
    assert r.status_code == 201 and r.json()["status"] == "returned"
    r = officer_a.post(f"/api/v1/briefs/{brief_id}/versions", json={"title": "我县整治农村垃圾混装混运",
                                                                    "body": REVISED})
    assert r.status_code == 201 and r.json()["version"] == 2

    # Another unit sends the revised text almost word for word: the copy is caught.
    copy = REVISED.replace("18辆", "十八辆")
    check = officer_b.post("/api/v1/check", json={"title": "整治农村垃圾混装混运", "body": copy})
    assert check.status_code == 200
    assert brief_id in [d["id"] for d in check.json()["duplicates"] if d["kind"] == "copy"]

    # Resubmitting again is refused once the brief is back in the queue.
    again = officer_a.post(f"/api/v1/briefs/{brief_id}/versions", json={"title": "再次修改", "body": REVISED})
    assert again.status_code == 409 and again.json()["code"] == "not_returned"
