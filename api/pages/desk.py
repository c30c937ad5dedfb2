"""The editors' desk: a brief and its decisions, the queue, same-event clusters, search, bulk
decisions, 约稿 topics and the briefs whose category the model is unsure of.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse

from api.deps import ServiceDep
from api.desk import keywords, undoable_decision
from api.diffs import version_changes
from api.errors import Conflict
from api.learning import learning_loop
from api.pages.base import (
    ACTION_NAMES_ZH,
    STATUS_NAMES_ZH,
    UNDO_COOKIE,
    CsrfField,
    DayRangeQuery,
    PageCaller,
    PageNumber,
    check_csrf,
    highlighted,
    mark_words,
    parse_date,
    redirect,
    render,
    require_editor,
    safe_next,
)
from api.pages.drafts import last_return
from review import clock
from review.brief import LEVEL_NAMES_ZH

router = APIRouter(include_in_schema=False)


@router.get("/briefs/{brief_id}", response_class=HTMLResponse)
def brief_page(request: Request, service: ServiceDep, caller: PageCaller, brief_id: str,
               back: Annotated[str | None, Query(max_length=1000)] = None):
    brief = service.get_brief(caller, brief_id)
    editors = service.user_names([d["editor_id"] for d in brief["decisions"] if d["editor_id"]])
    undoable = undoable_decision(brief, caller, float(service.config.section("desk")["undo_minutes"]))
    return render(request, service, caller, "brief.html", brief=brief, review=brief["review"] or {}, undoable=undoable,
                  returned=last_return(service, brief) if brief["status"] in ("returned", "resubmitted") else None,
                  changes=version_changes(brief["versions"]),
                  marked=highlighted(brief["title"], brief["body"], brief["review"]), editors=editors,
                  similar=service.similar(brief["title"], brief["body"], brief["review"] or {},
                                                 caller=caller, brief_id=brief_id), back=safe_next(back) or "/queue",
                  open_topics=service.list_topics(open_at=clock.now()) if caller.role in ("editor", "admin") else [])


@router.post("/briefs/{brief_id}/topics")
def link_topic(request: Request, service: ServiceDep, caller: PageCaller, brief_id: str, csrf: CsrfField = "",
               topic_id: Annotated[int, Form(ge=1, le=2**31 - 1)] = 0, attached: Annotated[bool, Form()] = True):
    """The brief page's 指定 / 移除 of a 约稿 topic."""
    check_csrf(request, service, csrf)
    brief = service.link_topic(caller, brief_id, topic_id, attached=attached)
    title = next((t["title"] for t in brief["topics"] + brief["detached_topics"] if t["id"] == topic_id), "")
    return redirect(f"/briefs/{quote(brief_id)}", f"已{'指定' if attached else '移除'}约稿:{title[:30]}")


@router.post("/briefs/{brief_id}/decide")
def decide(request: Request, service: ServiceDep, caller: PageCaller, brief_id: str, csrf: CsrfField = "",
           action: Annotated[str, Form(max_length=20)] = "", level: Annotated[str, Form(max_length=20)] = "",
           compiled: Annotated[bool, Form()] = False, category: Annotated[str, Form(max_length=20)] = "",
           text: Annotated[str, Form(max_length=5000)] = "", back: Annotated[str, Form(max_length=1000)] = "",
           canned: Annotated[str, Form(max_length=500)] = "",
           handling_units: Annotated[str, Form(max_length=2000)] = ""):
    check_csrf(request, service, csrf)
    # A canned comment chosen without the script filling the box; browsers send a textarea's lines as CRLF.
    text = (text if text.strip() else canned).replace("\r\n", "\n")
    units = [u for u in re.split(r"[、,，;；\s]+", handling_units) if u][:20]
    brief = service.decide(caller, brief_id, action, level=level or None, compiled=compiled,
                           category=category or None, text=text, handling_units=units)
    what = ACTION_NAMES_ZH.get(action, action) + (f"({LEVEL_NAMES_ZH.get(level, level)})" if level else "")
    message = f"已记录:{what} · {brief['title'][:30]}"
    response = redirect(f"/briefs/{quote(brief_id)}" if action == "recategorise" else (safe_next(back) or "/queue"),
                        message)
    mine = [d for d in brief["decisions"] if d["editor_id"] == caller.id and d["action"] != "undo"]
    if mine:
        minutes = float(service.config.section("desk")["undo_minutes"])
        response.set_cookie(UNDO_COOKIE, quote(f"{brief_id}/{mine[-1]['id']}"), max_age=int(minutes * 60),
                            httponly=True, samesite="strict")
    return response


@router.post("/briefs/{brief_id}/decisions/{decision_id}/undo")
def undo(request: Request, service: ServiceDep, caller: PageCaller, brief_id: str,
         decision_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)], csrf: CsrfField = "",
         back: Annotated[str, Form(max_length=1000)] = ""):
    check_csrf(request, service, csrf)
    brief = service.undo(caller, brief_id, decision_id)
    undone = next(d for d in brief["decisions"] if d["id"] == decision_id)
    what = ACTION_NAMES_ZH.get(undone["action"], undone["action"]) + (
        f"({LEVEL_NAMES_ZH.get(undone['level'], undone['level'])})" if undone["level"] else "")
    return redirect(safe_next(back) or f"/briefs/{quote(brief_id)}",
                    f"已撤销:{what} · {brief['title'][:30]},现为{STATUS_NAMES_ZH.get(brief['status'], brief['status'])}")


@router.get("/queue", response_class=HTMLResponse)
def queue(request: Request, service: ServiceDep, caller: PageCaller, days: DayRangeQuery,
          category: Annotated[str, Query(max_length=20)] = "", unit: Annotated[str, Query(max_length=200)] = "",
          flag: Annotated[str, Query(max_length=30)] = "", status: Annotated[str, Query(max_length=20)] = "",
          urgent: Annotated[str, Query(max_length=5)] = "",
          page: PageNumber = 1, group: Annotated[str, Query(max_length=1)] = ""):
    require_editor(caller)
    size = 30
    grouped = group != "0"  # same-event reports as one row unless the editor asks for every brief
    listing = service.queue(caller, category=category or None, unit=unit or None, flag=flag or None,
                            status=status or None, urgent={"1": True, "0": False}.get(urgent),
                            since=days.since, until=days.until, limit=size, offset=(page - 1) * size, collapse=grouped)
    filters = {k: v for k, v in {"category": category, "unit": unit, "flag": flag, "status": status,
                                 "urgent": urgent, **days.query(), "group": "" if grouped else "0"}.items() if v}
    here = "/queue" + ("?" + urlencode({**filters, "page": page}) if filters or page > 1 else "")
    return render(request, service, caller, "queue.html", listing=listing, filters=filters, page=page, size=size,
                  pages=max(1, -(-listing["total"] // size)), here=here, units=service.unit_names(),
                  query=urlencode(filters), grouped=grouped,
                  toggle="/queue?" + urlencode({**{k: v for k, v in filters.items() if k != "group"},
                                                **({"group": "0"} if grouped else {})}))


@router.get("/clusters/{cluster_id}", response_class=HTMLResponse)
def cluster_page(request: Request, service: ServiceDep, caller: PageCaller, cluster_id: str,
                 back: Annotated[str | None, Query(max_length=1000)] = None):
    """A same-event cluster: its members, the fullest one, and the merged 综合信息 draft to edit and adopt."""
    require_editor(caller)
    cluster = service.cluster(caller, cluster_id)
    return render(request, service, caller, "cluster.html", cluster=cluster, back=safe_next(back) or "/queue")


@router.post("/clusters/{cluster_id}/adopt")
def cluster_adopt(request: Request, service: ServiceDep, caller: PageCaller, cluster_id: str, csrf: CsrfField = "",
                  level: Annotated[str, Form(max_length=20)] = "", text: Annotated[str, Form(max_length=20000)] = "",
                  back: Annotated[str, Form(max_length=1000)] = ""):
    check_csrf(request, service, csrf)
    done = service.adopt_cluster(caller, cluster_id, level, text.replace("\r\n", "\n").strip())
    return redirect(safe_next(back) or "/queue",
                    f"已整体采用({LEVEL_NAMES_ZH.get(level, level)})同一事件综合稿,{len(done['members'])} 个单位各按综合编辑稿计分")


@router.get("/search", response_class=HTMLResponse)
def search(request: Request, service: ServiceDep, caller: PageCaller, days: DayRangeQuery,
           q: Annotated[str, Query(max_length=200)] = "",
           category: Annotated[str, Query(max_length=20)] = "", unit: Annotated[str, Query(max_length=200)] = "",
           flag: Annotated[str, Query(max_length=30)] = "", status: Annotated[str, Query(max_length=20)] = "",
           page: PageNumber = 1):
    size = 30
    filters = {k: v for k, v in {"q": q.strip(), "category": category, "unit": unit, "flag": flag, "status": status,
                                 **days.query()}.items() if v}
    listing = service.list_briefs(caller, q=q or None, category=category or None, unit=unit or None,
                                  flag=flag or None, status=status or None,
                                  since=days.since, until=days.until, limit=size, offset=(page - 1) * size)
    words = keywords(q)
    for item in listing["items"]:
        item["marked_title"] = mark_words(item["title"] or "(无标题)", words)
        item["marked_snippet"] = mark_words(item.get("snippet", ""), words)
    here = "/search" + ("?" + urlencode({**filters, "page": page}) if filters or page > 1 else "")
    units = service.unit_names() if caller.role != "officer" else []
    return render(request, service, caller, "search.html", listing=listing, filters=filters, page=page, size=size,
                  pages=max(1, -(-listing["total"] // size)), here=here, units=units, query=urlencode(filters),
                  search_q=q, searched=bool(filters))


@router.post("/decisions/bulk", response_class=HTMLResponse)
def bulk_decide(request: Request, service: ServiceDep, caller: PageCaller, csrf: CsrfField = "",
                brief_id: Annotated[list[str], Form(max_length=500)] = [],  # noqa: B006 - FastAPI copies defaults
                text: Annotated[str, Form(max_length=5000)] = "", canned: Annotated[str, Form(max_length=500)] = "",
                back: Annotated[str, Form(max_length=1000)] = ""):
    check_csrf(request, service, csrf)
    text = (text if text.strip() else canned).replace("\r\n", "\n")
    result = service.bulk_reject(caller, brief_id, text)
    return render(request, service, caller, "bulk.html", result=result, back=safe_next(back) or "/queue", text=text)


@router.get("/topics", response_class=HTMLResponse)
def topics(request: Request, service: ServiceDep, caller: PageCaller):
    items = service.list_topics(open_at=None if caller.role != "officer" else clock.now())
    return render(request, service, caller, "topics.html", topics=items, now=clock.now().isoformat())


@router.post("/topics")
def create_topic(request: Request, service: ServiceDep, caller: PageCaller, csrf: CsrfField = "",
                 title: Annotated[str, Form(max_length=200)] = "",
                 description: Annotated[str, Form(max_length=5000)] = "",
                 deadline_text: Annotated[str, Form(alias="deadline", max_length=20)] = ""):
    check_csrf(request, service, csrf)
    deadline = parse_date(deadline_text, "截止日期")
    if deadline is None:
        raise Conflict("请填写约稿截止日期", code="missing_field", status=422)
    service.create_topic(caller, title, description, clock.day_after(deadline) - timedelta(microseconds=1))
    return redirect("/topics", "约稿已发布")


@router.get("/uncertain", response_class=HTMLResponse)
def uncertain(request: Request, service: ServiceDep, caller: PageCaller):
    result = learning_loop(service).uncertain(caller, limit=30)
    return render(request, service, caller, "uncertain.html", result=result)
