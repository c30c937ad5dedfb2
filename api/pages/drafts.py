"""The officer's pages: self-check of a draft, submitting it, their unit's briefs, revising a returned one."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from api.deps import ServiceDep
from api.diffs import diff_markup
from api.errors import Conflict, Refused, ServiceError
from api.forms import FormError, read_form_draft
from api.pages.base import (
    CsrfField,
    PageCaller,
    PageNumber,
    bounds_of,
    check_csrf,
    highlighted,
    period_of,
    redirect,
    render,
)
from api.services import Caller, ReviewService
from review import clock

router = APIRouter(include_in_schema=False)


@router.get("/check", response_class=HTMLResponse)
def check_form(request: Request, service: ServiceDep, caller: PageCaller):
    return render(request, service, caller, "check.html", title="", body="", result=None,
                  idempotency_key=uuid.uuid4().hex)


def _draft_unit(service: ReviewService, caller: Caller) -> str:
    return service.unit_name(caller.unit_id) if caller.unit_id else "未填写单位"


def _self_check(request: Request, service: ReviewService, caller: Caller, title: str, body: str, *,
                file: UploadFile | None = None, revise: dict | None = None, apply: str = "") -> HTMLResponse:
    """The self-check view of a draft: its review, or the form again with a plain message and the input kept.
    `revise` is the returned brief being revised (the draft is then checked for resubmission); `apply`
    "all" (全部采纳) applies every certain suggestion first and checks the corrected draft, "flag:N"
    (采纳 beside one suggestion) only that of the N-th flag of the draft's review."""
    try:
        draft = read_form_draft(title, body, unit=_draft_unit(service, caller), submitted_at=clock.now(),
                                file_name=file.filename if file is not None and file.filename else None,
                                file_data=file.file.read() if file is not None and file.filename else None)
    except FormError as exc:
        return _draft_form(request, service, caller, title, body, error=exc.message, revise=revise)
    applied = None
    only = [int(apply[5:])] if apply.startswith("flag:") and apply[5:].isdigit() else None
    if apply == "all" or only is not None:
        fixed = service.check(draft, fix=True, only=only)["fixed"]
        applied = fixed["applied"]
        draft = replace(draft, title=fixed["title"], body=fixed["body"])
    result = service.check(draft)
    changes = (diff_markup(revise["brief"]["title"], draft.title), diff_markup(revise["brief"]["body"], draft.body)) \
        if revise else None
    return render(request, service, caller, "check.html", title=draft.title, body=draft.body, result=result,
                  marked=highlighted(draft.title, draft.body, result), revise=revise, changes=changes, applied=applied,
                  similar=service.similar(draft.title, draft.body, result, caller=caller,
                                          brief_id=revise["brief"]["id"] if revise else None),
                  examples=service.model_briefs(draft, result["category"],
                                                brief_id=revise["brief"]["id"] if revise else None),
                  idempotency_key=uuid.uuid4().hex)


def _draft_form(request: Request, service: ReviewService, caller: Caller, title: str, body: str, *, error: str,
                revise: dict | None = None, http_status: int = 422) -> HTMLResponse:
    """The self-check form again, holding what was typed, with the reason it was not accepted."""
    return render(request, service, caller, "check.html", http_status=http_status, title=title, body=body,
                  result=None, error=error, revise=revise, idempotency_key=uuid.uuid4().hex)


@router.post("/check", response_class=HTMLResponse)
def check(request: Request, service: ServiceDep, caller: PageCaller, csrf: CsrfField = "",
          title: Annotated[str, Form(max_length=500)] = "", body: Annotated[str, Form(max_length=100_000)] = "",
          file: UploadFile | None = None, apply: Annotated[str, Form(max_length=10)] = ""):
    check_csrf(request, service, csrf)
    return _self_check(request, service, caller, title, body, file=file, apply=apply)


@router.post("/submit", response_model=None)
def submit(request: Request, service: ServiceDep, caller: PageCaller, csrf: CsrfField = "",
           title: Annotated[str, Form(max_length=500)] = "", body: Annotated[str, Form(max_length=100_000)] = "",
           idempotency_key: Annotated[str, Form(max_length=200)] = ""):
    check_csrf(request, service, csrf)
    try:
        read_form_draft(title, body, unit=_draft_unit(service, caller), submitted_at=clock.now())
        brief = service.submit(caller, title, body, idempotency_key=idempotency_key or None)
    except (FormError, Conflict, Refused) as exc:  # Refused: a secrecy marking
        return _draft_form(request, service, caller, title, body, error=exc.message,
                           http_status=getattr(exc, "status", 422))
    return redirect(f"/briefs/{quote(brief['id'])}", "已报送,等待信息科审核")


@router.get("/mine", response_class=HTMLResponse)
def mine(request: Request, service: ServiceDep, caller: PageCaller, status: str | None = None,
         page: PageNumber = 1):
    size = 30
    listing = service.list_briefs(caller, status=status or None, limit=size, offset=(page - 1) * size)
    unit = service.unit_name(caller.unit_id) if caller.unit_id else "全部单位"
    outcomes = service.outcomes(caller, [item["id"] for item in listing["items"]])
    month_start, month_end = period_of(None, None)  # the 通报 page's default period: this month so far
    standing = service.unit_standing(caller, *bounds_of(month_start, month_end))
    return render(request, service, caller, "mine.html", listing=listing, status=status or "", page=page, size=size,
                  unit=unit, pages=max(1, -(-listing["total"] // size)), outcomes=outcomes, standing=standing,
                  month_start=month_start, month_end=month_end)


def _revision(service: ReviewService, caller: Caller, brief_id: str) -> dict:
    """A returned brief of the officer's unit with the editor's return (who, when, comment), for revising."""
    if caller.role != "officer":
        raise ServiceError("只有信息员可以修改重报", code="forbidden", status=403)
    brief = service.get_brief(caller, brief_id)
    if brief["status"] != "returned":
        raise Conflict("这条信息不在“退回修改”状态,无需修改重报", code="not_returned")
    return {"brief": brief, "comment": last_return(service, brief)}


def last_return(service: ReviewService, brief: dict) -> dict | None:
    """The latest 退回 decision of a brief with the editor's name, or None."""
    returns = [d for d in brief["decisions"] if d["action"] == "return"]
    heads = [s for s in brief.get("signoffs", []) if s["action"] == "return"]
    if heads and (not returns or heads[-1]["created_at"] > returns[-1]["created_at"]):
        return {**heads[-1], "editor": f"单位负责人 {heads[-1]['by']}"}  # returned by the unit head
    if not returns:
        return None
    last = returns[-1]
    names = service.user_names([last["editor_id"]]) if last["editor_id"] else {}
    return {**last, "editor": names.get(last["editor_id"], "信息科")}


@router.get("/briefs/{brief_id}/revise", response_class=HTMLResponse)
def revise_form(request: Request, service: ServiceDep, caller: PageCaller, brief_id: str):
    revise = _revision(service, caller, brief_id)
    return render(request, service, caller, "check.html", title=revise["brief"]["title"],
                  body=revise["brief"]["body"], result=None, revise=revise, idempotency_key=uuid.uuid4().hex)


@router.post("/briefs/{brief_id}/revise", response_class=HTMLResponse)
def revise_check(request: Request, service: ServiceDep, caller: PageCaller, brief_id: str, csrf: CsrfField = "",
                 title: Annotated[str, Form(max_length=500)] = "",
                 body: Annotated[str, Form(max_length=100_000)] = "", apply: Annotated[str, Form(max_length=10)] = ""):
    check_csrf(request, service, csrf)
    return _self_check(request, service, caller, title, body, revise=_revision(service, caller, brief_id), apply=apply)


@router.post("/briefs/{brief_id}/resubmit", response_model=None)
def resubmit(request: Request, service: ServiceDep, caller: PageCaller, brief_id: str, csrf: CsrfField = "",
             title: Annotated[str, Form(max_length=500)] = "", body: Annotated[str, Form(max_length=100_000)] = ""):
    check_csrf(request, service, csrf)
    revise = _revision(service, caller, brief_id)
    try:
        read_form_draft(title, body, unit=revise["brief"]["unit"], submitted_at=clock.now(), brief_id=brief_id)
        service.resubmit(caller, brief_id, title, body)
    except (FormError, Conflict, Refused) as exc:
        return _draft_form(request, service, caller, title, body, error=exc.message, revise=revise,
                           http_status=getattr(exc, "status", 422))
    return redirect(f"/briefs/{quote(brief_id)}", "已修改并重新报送")
