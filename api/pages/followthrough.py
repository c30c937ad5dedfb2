"""After submission: the unit head's 审签, 续报 chains and 批示 follow-ups with their 落实反馈."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse

from api.chains import STAGE_NAMES_ZH
from api.deps import ServiceDep
from api.errors import ServiceError
from api.followups import STATUS_NAMES_ZH as FOLLOWUP_STATUS_NAMES
from api.pages.base import CsrfField, PageCaller, check_csrf, redirect, render

router = APIRouter(include_in_schema=False)


@router.get("/signoff", response_class=HTMLResponse)
def signoff_page(request: Request, service: ServiceDep, caller: PageCaller):
    """审签: the unit's briefs waiting for the unit head."""
    if not caller.unit_head:
        raise ServiceError("该页面仅供单位负责人审签使用", code="forbidden", status=403)
    return render(request, service, caller, "signoff.html", items=service.pending_signoff(caller))


@router.post("/briefs/{brief_id}/signoff")
def brief_signoff(request: Request, service: ServiceDep, caller: PageCaller, brief_id: str, csrf: CsrfField = "",
                  action: Annotated[str, Form(max_length=10)] = "", text: Annotated[str, Form(max_length=5000)] = ""):
    check_csrf(request, service, csrf)
    brief = service.sign_off(caller, brief_id, action, text.replace("\r\n", "\n"))
    what = "已审签,报送信息科" if action == "approve" else "已退回修改"
    return redirect("/signoff", f"{what}:{brief['title'][:30]}")


@router.post("/briefs/{brief_id}/chain")
def brief_chain(request: Request, service: ServiceDep, caller: PageCaller, brief_id: str, csrf: CsrfField = "",
                chain_id: Annotated[str, Form(max_length=64)] = "", stage: Annotated[str, Form(max_length=10)] = ""):
    """The brief page's 确认为续报 / 确认为终报."""
    check_csrf(request, service, csrf)
    brief = service.confirm_chain(caller, brief_id, chain_id, stage)
    return redirect(f"/briefs/{quote(brief_id)}",
                    f"已确认为《{brief['chain']['title'][:30]}》的{STAGE_NAMES_ZH.get(stage, stage)}")


@router.get("/chains", response_class=HTMLResponse)
def chains_page(request: Request, service: ServiceDep, caller: PageCaller,
                overdue: Annotated[str, Query(max_length=5)] = ""):
    """续报 chains: an officer's unit's, or all for editors; `overdue=1` keeps the 续报超时 ones."""
    items = service.list_chains(caller, overdue=True if overdue == "1" else None)
    return render(request, service, caller, "chains.html", items=items, overdue=overdue == "1")


@router.get("/chains/{chain_id}", response_class=HTMLResponse)
def chain_page(request: Request, service: ServiceDep, caller: PageCaller, chain_id: str):
    return render(request, service, caller, "chain.html", chain=service.chain(caller, chain_id))


@router.get("/followups", response_class=HTMLResponse)
def followups_page(request: Request, service: ServiceDep, caller: PageCaller,
                   status: Annotated[str, Query(max_length=20)] = ""):
    """批示督办: what an officer's unit owes (with the feedback form), or every follow-up for editors."""
    state = status if status in FOLLOWUP_STATUS_NAMES else None
    items = service.list_followups(caller, state=state)
    return render(request, service, caller, "followups.html", items=items, state=state or "",
                  FOLLOWUP_STATUS=FOLLOWUP_STATUS_NAMES)


@router.post("/followups/{followup_id}/feedback")
def followup_feedback(request: Request, service: ServiceDep, caller: PageCaller,
                      followup_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)], csrf: CsrfField = "",
                      text: Annotated[str, Form(max_length=5000)] = ""):
    check_csrf(request, service, csrf)
    done = service.give_feedback(caller, followup_id, text.replace("\r\n", "\n"))
    return redirect("/followups", f"已报送落实反馈:{done['brief_title'][:30]}({done['status_zh']})")
