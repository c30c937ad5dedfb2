"""The web pages: server-rendered Chinese HTML over the same `ReviewService` as the API.

Sessions are the API's signed access token kept in an HttpOnly, SameSite=Strict cookie.
Every form that changes something carries a CSRF token derived from the session (an HMAC
of the session token), checked on the server; the login form, made before any session
exists, uses a double-submit cookie. Templates autoescape all user text.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated
from urllib.parse import quote, unquote, urlencode

from fastapi import APIRouter, Depends, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from api.deps import ServiceDep
from api.desk import keywords, undoable_decision
from api.editable import BY_KEY, InvalidSettings
from api.chains import STAGE_NAMES_ZH
from api.errors import Conflict, Refused, ServiceError
from api.export import export_response
from api.followups import STATUS_NAMES_ZH as FOLLOWUP_STATUS_NAMES
from api.diffs import diff_markup, version_changes
from api.formats import format_points
from api.forms import FormError, read_form_draft
from api.learning import learning_loop
from api.report_chart import bar_chart
from api.retrain_result import describe_result
from api.services import ADOPT_LEVELS, INSTRUCT_LEVELS, Caller, ReviewService
from review import clock
from review.brief import CATEGORIES, CATEGORY_NAMES_ZH, LEVEL_NAMES_ZH
from review.checks import flag_names_zh
from review.periods import ended_months, month_ranges
from review.proofread import CODES as PROOFREADING_CODES
from review.standings import rank_label

SESSION_COOKIE = "br_session"
FLASH_COOKIE = "br_flash"
UNDO_COOKIE = "br_undo"  # "brief_id/decision_id" of the decision just made: the flash offers 撤销
LOGIN_CSRF_COOKIE = "br_login_csrf"
HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")

STATUS_NAMES_ZH = {"pending_signoff": "待单位审签", "submitted": "待审", "resubmitted": "修改后重报", "returned": "退回修改",
                   "adopted": "已采用", "rejected": "未采用"}
ACTION_NAMES_ZH = {"adopt": "采用", "instruction": "批示", "return": "退回修改", "reject": "不采用",
                   "recategorise": "更正类别", "undo": "撤销"}
REASON_NAMES_ZH = {"adoption": "采用可能", "category": "类别价值", "urgency": "紧急程度", "freshness": "时效",
                   "quality": "写作质量"}
SEVERITY_NAMES_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
# Audit log entries as the administrator reads them (the stored action codes stay English).
AUDIT_NAMES_ZH = {"login": "登录", "logout": "退出登录", "submit": "报送", "resubmit": "修改后重报",
                  "user_add": "添加用户", "user_disable": "停用用户", "user_enable": "启用用户", "model_promote": "上线模型",
                  "model_rollback": "回退模型", "retrain": "开始重新训练",
                  "retrain_finish": "重新训练完成", "topic_create": "发布约稿", "topic_attach": "指定对应约稿",
                  "topic_detach": "移除对应约稿", "roster_upload": "上传领导名单", "roster_reset": "恢复配置文件中的领导名单",
                  "followup_feedback": "报送批示落实反馈", "chain_join": "确认续报关系",
                  "signoff_approve": "审签同意", "signoff_return": "审签退回",
                  "setting_change": "修改设置", "undo_decision": "撤销决定",
                  "adopt_cluster": "整体采用同一事件综合稿",
                  **{f"decide_{code}": name for code, name in ACTION_NAMES_ZH.items()}}
# What became of a registered model version (models.registry.ModelRegistry.list).
MODEL_STATUS_NAMES_ZH = {"champion": "上线中", "replaced": "曾上线,已被新版本替换", "rolled_back": "已回退下线",
                         "never": "未上线"}
templates.env.globals.update(
    MODEL_STATUS_NAMES=MODEL_STATUS_NAMES_ZH, CATEGORIES=CATEGORIES, CATEGORY_NAMES=CATEGORY_NAMES_ZH, FLAG_NAMES=flag_names_zh(), LEVEL_NAMES=LEVEL_NAMES_ZH,
    STATUS_NAMES=STATUS_NAMES_ZH, ACTION_NAMES=ACTION_NAMES_ZH, REASON_NAMES=REASON_NAMES_ZH,
    SEVERITY_NAMES=SEVERITY_NAMES_ZH, AUDIT_NAMES=AUDIT_NAMES_ZH, ADOPT_LEVELS=ADOPT_LEVELS, INSTRUCT_LEVELS=INSTRUCT_LEVELS,
)
templates.env.filters["rank"] = lambda row: rank_label(row["rank"], row["tied"])
templates.env.filters["month_ranges"] = month_ranges
templates.env.filters["when"] = lambda iso: iso[:16].replace("T", " ") if iso else ""
templates.env.filters["points"] = format_points


class LoginRequired(Exception):
    """No valid session: the page redirects to the login form."""


def is_page(request: Request) -> bool:
    """True for requests to the pages (HTML errors), false for the API (JSON errors)."""
    return not request.url.path.startswith("/api/")


def error_page(request: Request, status: int, code: str, message: str) -> Response:
    """An error as a page; a lost session as a redirect to the login form."""
    if status == 401:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    return templates.TemplateResponse(request, "error.html", {"status": status, "code": code, "message": message,
                                                              "user": None}, status_code=status)


# --- sessions and CSRF ---------------------------------------------------------------------


def csrf_token(service: ReviewService, session: str) -> str:
    """The CSRF token of a session: an HMAC of the session token under the service key."""
    return hmac.new(service.secret.encode(), f"csrf:{session}".encode(), hashlib.sha256).hexdigest()[:40]


def page_caller(request: Request, service: ServiceDep) -> Caller:
    """The logged-in user of a page request."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired()
    return service.caller(token)  # 401 -> redirect, by the app's handler


PageCaller = Annotated[Caller, Depends(page_caller)]


def check_csrf(request: Request, service: ReviewService, sent: str) -> None:
    session = request.cookies.get(SESSION_COOKIE, "")
    if not session or not hmac.compare_digest(csrf_token(service, session), sent or ""):
        raise Conflict("页面已过期或来源不明(CSRF 校验失败),请刷新页面后重试", code="csrf_failed", status=403)


CsrfField = Annotated[str, Form(alias="csrf", max_length=100)]


def _followups_due(service: ReviewService, caller: Caller | None) -> int:
    """For the navigation: an officer's 批示 still to answer, an editor's overdue ones."""
    if caller is None:
        return 0
    if caller.role == "officer":
        return sum(f["status"] in ("waiting", "overdue") for f in service.list_followups(caller))
    return len(service.list_followups(caller, state="overdue"))


def render(request: Request, service: ReviewService, caller: Caller | None, name: str, *, http_status: int = 200,
           **context) -> HTMLResponse:
    session = request.cookies.get(SESSION_COOKIE, "")
    flash = unquote(request.cookies.get(FLASH_COOKIE, ""))[:200]
    undo = _undo_offer(request.cookies.get(UNDO_COOKIE, "")) if flash else None
    context.update(user=caller, csrf=csrf_token(service, session) if session else "", flash=flash, undo=undo,
                   canned=service.config.section("desk")["return_comments"],
                   returned_count=service.returned_count(caller) if caller is not None else 0,
                   followups_due=_followups_due(service, caller),
                   signoff_due=len(service.pending_signoff(caller)) if caller is not None and caller.unit_head else 0)
    response = templates.TemplateResponse(request, name, context, status_code=http_status)
    if flash:
        response.delete_cookie(FLASH_COOKIE)  # shown once
    if request.cookies.get(UNDO_COOKIE):
        response.delete_cookie(UNDO_COOKIE)
    return response


def _undo_offer(value: str) -> dict | None:
    """The decision the flash offers to take back (the server checks again when it is asked)."""
    brief_id, _, decision_id = unquote(value).rpartition("/")
    return {"brief_id": brief_id, "decision_id": int(decision_id)} if brief_id and decision_id.isdigit() else None


def redirect(url: str, message: str = "") -> RedirectResponse:
    """A 303 to `url`; `message` is shown once on the next page. It travels in a cookie the
    server sets, never in the address, so nobody can put words in the service's mouth with
    a crafted link."""
    response = RedirectResponse(url, status_code=303)
    if message:
        response.set_cookie(FLASH_COOKIE, quote(message[:200]), max_age=60, httponly=True, samesite="strict")
    return response


def _home(caller: Caller) -> str:
    return "/mine" if caller.role == "officer" else "/queue"


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: never redirect a login to another host."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def _editor(caller: Caller) -> None:
    if caller.role not in ("editor", "admin"):
        raise ServiceError("该页面仅供编辑使用", code="forbidden", status=403)


# --- rendering helpers ---------------------------------------------------------------------


def _spans(flag: dict) -> list[list[int]]:
    """Every occurrence a flag marks; reviews stored before flags had `spans` have one `span`."""
    return flag.get("spans") or ([flag["span"]] if flag.get("span") else [])


def highlight(text: str, flags: list[dict], start: int, end: int) -> Markup:
    """`text[start:end]` escaped, with every occurrence of each flag's evidence marked (numbered as in
    the flag list; the k-th occurrence of flag n has the id `flag-n-k`, which the list links to)."""
    marks = sorted((max(a, start), min(b, end), n, k, f) for n, f in enumerate(flags, 1)
                   for k, (a, b) in enumerate(_spans(f), 1) if a < end and b > start)
    out, pos = [], start
    for lo, hi, n, k, flag in marks:
        if lo < pos:  # overlapping evidence: the first mark wins
            continue
        out.append(escape(text[pos:lo]))
        out.append(Markup('<mark class="sev-{}" id="flag-{}-{}" title="{}" data-flag="{}">{}<sup>{}</sup></mark>').format(
            flag["severity"], n, k, flag_names_zh().get(flag["code"], flag["code"]), flag["code"], text[lo:hi], n))
        pos = hi
    out.append(escape(text[pos:end]))
    return Markup("").join(out)


def mark_words(text: str, words: list[str]) -> Markup:
    """`text` escaped, with each occurrence of the search words marked (case-insensitive)."""
    lowered, spans, out, pos = text.lower(), [], [], 0
    for word in (w.lower() for w in words if w):
        start = lowered.find(word)
        while start >= 0:
            spans.append((start, start + len(word)))
            start = lowered.find(word, start + len(word))
    for lo, hi in sorted(spans):
        if lo < pos:  # overlapping words: the first mark wins
            continue
        out.append(escape(text[pos:lo]))
        out.append(Markup('<mark class="hit">{}</mark>').format(text[lo:hi]))
        pos = hi
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def highlighted(title: str, body: str, review: dict | None) -> dict:
    """Title and body with the review's evidence highlighted; spans index `title + "\\n" + body`.
    `occurrences[n]` lists flag n's marked pieces of text as (anchor id, text), for the flag list."""
    flags = (review or {}).get("flags", [])
    text = f"{title}\n{body}" if title and body else (title or body)
    offset = len(title) + 1 if title and body else (0 if not title else len(text))
    occurrences = {n: [(f"flag-{n}-{k}", text[a:b]) for k, (a, b) in enumerate(_spans(f), 1) if b <= len(text)]
                   for n, f in enumerate(flags, 1)}
    return {"title": highlight(text, flags, 0, len(title)) if title else Markup(""),
            "body": highlight(text, flags, offset, len(text)) if body else Markup(""),
            "occurrences": occurrences}


def _date(value: str, what: str) -> date | None:
    """A date field of a form or query: empty means not given (a browser sends empty fields)."""
    if not value.strip():
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise Conflict(f"{what}格式应为 年-月-日(如 2026-03-05):{value[:20]}", code="invalid_date",
                       status=422) from None
    if not clock.in_range(day):
        raise Conflict(f"{what}应在 {clock.FIRST_YEAR}—{clock.LAST_YEAR} 年之间:{value[:20]}", code="invalid_date",
                       status=422)
    return day


def _period(start: date | None, end: date | None) -> tuple[date, date]:
    today = clock.today()
    return start or today.replace(day=1), end or today


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return clock.day_start(start), clock.day_after(end)


# --- routes ----------------------------------------------------------------------------------

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(caller: PageCaller):
    return RedirectResponse(_home(caller), status_code=303)


@router.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says: send them to the SVG icon."""
    return RedirectResponse("/static/favicon.svg", status_code=301)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, service: ServiceDep, next: str | None = None):
    token = secrets.token_urlsafe(24)
    response = render(request, service, None, "login.html", login_csrf=token, next=_safe_next(next) or "")
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", max_age=3600,
                        secure=request.url.scheme == "https")
    return response


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, service: ServiceDep, username: Annotated[str, Form(max_length=100)],
          password: Annotated[str, Form(max_length=200)], csrf: CsrfField = "",
          next: Annotated[str, Form(max_length=500)] = ""):
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, csrf):
        raise Conflict("登录页面已过期,请刷新后重新登录", code="csrf_failed", status=403)
    try:
        token = service.login(username, password, address=request.client.host if request.client else None)
    except ServiceError as exc:
        fresh = secrets.token_urlsafe(24)
        response = render(request, service, None, "login.html", http_status=exc.status, error=exc.message, username=username,
                          login_csrf=fresh, next=_safe_next(next) or "")
        response.set_cookie(LOGIN_CSRF_COOKIE, fresh, httponly=True, samesite="strict", max_age=3600)
        return response
    caller = service.caller(token)
    response = RedirectResponse(_safe_next(next) or _home(caller), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict",
                        max_age=service.token_minutes * 60, secure=request.url.scheme == "https")
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, service: ServiceDep, csrf: CsrfField = ""):
    check_csrf(request, service, csrf)
    service.logout(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


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
         page: Annotated[int, Query(ge=1, le=10_000)] = 1):
    size = 30
    listing = service.list_briefs(caller, status=status or None, limit=size, offset=(page - 1) * size)
    unit = service.unit_name(caller.unit_id) if caller.unit_id else "全部单位"
    outcomes = service.outcomes(caller, [item["id"] for item in listing["items"]])
    month_start, month_end = _period(None, None)  # the 通报 page's default period: this month so far
    standing = service.unit_standing(caller, *_bounds(month_start, month_end))
    return render(request, service, caller, "mine.html", listing=listing, status=status or "", page=page, size=size,
                  unit=unit, pages=max(1, -(-listing["total"] // size)), outcomes=outcomes, standing=standing,
                  month_start=month_start, month_end=month_end)


@router.get("/briefs/{brief_id}", response_class=HTMLResponse)
def brief_page(request: Request, service: ServiceDep, caller: PageCaller, brief_id: str,
               back: Annotated[str | None, Query(max_length=1000)] = None):
    brief = service.get_brief(caller, brief_id)
    editors = service.user_names([d["editor_id"] for d in brief["decisions"] if d["editor_id"]])
    undoable = undoable_decision(brief, caller, float(service.config.section("desk")["undo_minutes"]))
    return render(request, service, caller, "brief.html", brief=brief, review=brief["review"] or {}, undoable=undoable,
                  returned=_last_return(service, brief) if brief["status"] in ("returned", "resubmitted") else None,
                  changes=version_changes(brief["versions"]),
                  marked=highlighted(brief["title"], brief["body"], brief["review"]), editors=editors,
                  similar=service.similar(brief["title"], brief["body"], brief["review"] or {},
                                                 caller=caller, brief_id=brief_id), back=_safe_next(back) or "/queue",
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
    response = redirect(f"/briefs/{quote(brief_id)}" if action == "recategorise" else (_safe_next(back) or "/queue"),
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
    return redirect(_safe_next(back) or f"/briefs/{quote(brief_id)}",
                    f"已撤销:{what} · {brief['title'][:30]},现为{STATUS_NAMES_ZH.get(brief['status'], brief['status'])}")


def _revision(service: ReviewService, caller: Caller, brief_id: str) -> dict:
    """A returned brief of the officer's unit with the editor's return (who, when, comment), for revising."""
    if caller.role != "officer":
        raise ServiceError("只有信息员可以修改重报", code="forbidden", status=403)
    brief = service.get_brief(caller, brief_id)
    if brief["status"] != "returned":
        raise Conflict("这条信息不在“退回修改”状态,无需修改重报", code="not_returned")
    return {"brief": brief, "comment": _last_return(service, brief)}


def _last_return(service: ReviewService, brief: dict) -> dict | None:
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


@router.get("/queue", response_class=HTMLResponse)
def queue(request: Request, service: ServiceDep, caller: PageCaller,
          category: Annotated[str, Query(max_length=20)] = "", unit: Annotated[str, Query(max_length=200)] = "",
          flag: Annotated[str, Query(max_length=30)] = "", status: Annotated[str, Query(max_length=20)] = "",
          urgent: Annotated[str, Query(max_length=5)] = "",
          start_text: Annotated[str, Query(alias="from", max_length=20)] = "",
          end_text: Annotated[str, Query(alias="to", max_length=20)] = "",
          page: Annotated[int, Query(ge=1, le=10_000)] = 1, group: Annotated[str, Query(max_length=1)] = ""):
    _editor(caller)
    start, end = _date(start_text, "开始日期"), _date(end_text, "结束日期")
    size = 30
    grouped = group != "0"  # same-event reports as one row unless the editor asks for every brief
    since, until = (_bounds(start, end or start)[0] if start else None), (_bounds(end, end)[1] if end else None)
    listing = service.queue(caller, category=category or None, unit=unit or None, flag=flag or None,
                            status=status or None, urgent={"1": True, "0": False}.get(urgent),
                            since=since, until=until, limit=size, offset=(page - 1) * size, collapse=grouped)
    filters = {k: v for k, v in {"category": category, "unit": unit, "flag": flag, "status": status,
                                 "urgent": urgent, "from": start and start.isoformat(),
                                 "to": end and end.isoformat(), "group": "" if grouped else "0"}.items() if v}
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
    _editor(caller)
    cluster = service.cluster(caller, cluster_id)
    return render(request, service, caller, "cluster.html", cluster=cluster, back=_safe_next(back) or "/queue")


@router.post("/clusters/{cluster_id}/adopt")
def cluster_adopt(request: Request, service: ServiceDep, caller: PageCaller, cluster_id: str, csrf: CsrfField = "",
                  level: Annotated[str, Form(max_length=20)] = "", text: Annotated[str, Form(max_length=20000)] = "",
                  back: Annotated[str, Form(max_length=1000)] = ""):
    check_csrf(request, service, csrf)
    done = service.adopt_cluster(caller, cluster_id, level, text.replace("\r\n", "\n").strip())
    return redirect(_safe_next(back) or "/queue",
                    f"已整体采用({LEVEL_NAMES_ZH.get(level, level)})同一事件综合稿,{len(done['members'])} 个单位各按综合编辑稿计分")


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


@router.get("/search", response_class=HTMLResponse)
def search(request: Request, service: ServiceDep, caller: PageCaller, q: Annotated[str, Query(max_length=200)] = "",
           category: Annotated[str, Query(max_length=20)] = "", unit: Annotated[str, Query(max_length=200)] = "",
           flag: Annotated[str, Query(max_length=30)] = "", status: Annotated[str, Query(max_length=20)] = "",
           start_text: Annotated[str, Query(alias="from", max_length=20)] = "",
           end_text: Annotated[str, Query(alias="to", max_length=20)] = "",
           page: Annotated[int, Query(ge=1, le=10_000)] = 1):

    start, end = _date(start_text, "开始日期"), _date(end_text, "结束日期")
    size = 30
    filters = {k: v for k, v in {"q": q.strip(), "category": category, "unit": unit, "flag": flag, "status": status,
                                 "from": start and start.isoformat(), "to": end and end.isoformat()}.items() if v}
    listing = service.list_briefs(caller, q=q or None, category=category or None, unit=unit or None,
                                  flag=flag or None, status=status or None,
                                  since=clock.day_start(start) if start else None,
                                  until=clock.day_after(end) if end else None, limit=size, offset=(page - 1) * size)
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
    return render(request, service, caller, "bulk.html", result=result, back=_safe_next(back) or "/queue", text=text)


@router.get("/report", response_class=HTMLResponse)
def report(request: Request, service: ServiceDep, caller: PageCaller,
           start_text: Annotated[str, Query(alias="from", max_length=20)] = "",
           end_text: Annotated[str, Query(alias="to", max_length=20)] = ""):
    _editor(caller)
    start, end = _period(_date(start_text, "开始日期"), _date(end_text, "结束日期"))
    stats = service.unit_stats(caller, *_bounds(start, end))
    months = list(stats[0]["adopted_by_month"]) if stats else []
    return render(request, service, caller, "report.html", stats=stats, start=start, end=end,
                  chart=bar_chart(stats), query=urlencode({"from": start.isoformat(), "to": end.isoformat()}),
                  months=months, open_months=[m for m in months if m not in ended_months(months, clock.today())],
                  today_month=f"{clock.today():%Y-%m}",
                  month_grid_max=service.config.section("report")["month_grid_max"], error_codes=PROOFREADING_CODES)


@router.get("/report/export.{fmt}")
def report_export(service: ServiceDep, caller: PageCaller, fmt: str,
                  start_text: Annotated[str, Query(alias="from", max_length=20)] = "",
                  end_text: Annotated[str, Query(alias="to", max_length=20)] = ""):
    _editor(caller)
    start, end = _period(_date(start_text, "开始日期"), _date(end_text, "结束日期"))
    return export_response(service.unit_stats(caller, *_bounds(start, end)), start, end, fmt,
                           config=service.config, units=service.unit_names())


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
    deadline = _date(deadline_text, "截止日期")
    if deadline is None:
        raise Conflict("请填写约稿截止日期", code="missing_field", status=422)
    service.create_topic(caller, title, description, clock.day_after(deadline) - timedelta(microseconds=1))
    return redirect("/topics", "约稿已发布")


def _admin_page(request: Request, service: ReviewService, caller: Caller, *, form: dict | None = None,
                error: str = "", typed: dict | None = None, errors: dict | None = None,
                roster_error: str = "", http_status: int = 200) -> HTMLResponse:
    """The admin page; `form` and `error` refill the add-user form, `typed` and `errors` the
    settings form, after refused values."""
    users = service.list_users(actor=caller)  # administrators only: 403 otherwise
    loop = learning_loop(service)
    try:
        models, reports, registry_error = loop.list_models(caller), loop.list_reports(caller), ""
    except ServiceError as exc:  # a service pinned to one model directory has no registry
        models, reports, registry_error = None, [], exc.message
    settings = service.editable_settings(caller)
    for item in settings:
        item["typed"] = (typed or {}).get(item["key"], _number_text(item["value"]))
        item["error"] = (errors or {}).get(item["key"], "")
    return render(request, service, caller, "admin.html", http_status=http_status, users=users,
                  audit=service.audit_log(caller, limit=10),
                  config=json.dumps(service.config.to_dict(), ensure_ascii=False, indent=2),
                  model_version=service.model.version, units=service.unit_names(), models=models,
                  reports=reports[:10], registry_error=registry_error, settings=settings,
                  settings_errors=errors or {}, form=form or {}, user_error=error,
                  roster=service.roster(caller), roster_error=roster_error)


def _number_text(value) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


@router.get("/admin", response_class=HTMLResponse)
def admin(request: Request, service: ServiceDep, caller: PageCaller):
    return _admin_page(request, service, caller)


async def form_fields(request: Request) -> dict[str, str]:
    """Every text field of a posted form (for forms whose fields are not fixed)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


@router.post("/admin/settings", response_class=HTMLResponse)
def admin_settings(request: Request, service: ServiceDep, caller: PageCaller,
                   fields: Annotated[dict, Depends(form_fields)]):

    check_csrf(request, service, fields.get("csrf", ""))
    values = {k: v[:50] for k, v in fields.items() if k in BY_KEY}
    try:
        changes = service.update_settings(caller, values)
    except InvalidSettings as exc:
        return _admin_page(request, service, caller, typed=values, errors=exc.errors, http_status=422)
    if not changes:
        return redirect("/admin#settings", "设置没有变化")
    return redirect("/admin#settings", f"已保存 {len(changes)} 项设置,立即生效:"
                    + ";".join(f"{c['label']} {_number_text(c['old'])} → {_number_text(c['new'])}" for c in changes))


@router.post("/admin/roster", response_class=HTMLResponse)
def admin_roster(request: Request, service: ServiceDep, caller: PageCaller, csrf: CsrfField = "",
                 file: UploadFile | None = None):
    check_csrf(request, service, csrf)
    if file is None or not file.filename:
        return _admin_page(request, service, caller, roster_error="请选择要上传的名单文件(.csv 或 .xlsx)", http_status=422)
    try:
        count = service.upload_roster(caller, file.filename, file.file.read())
    except ServiceError as exc:
        if exc.status == 403:
            raise
        return _admin_page(request, service, caller, roster_error=f"名单未更新:{exc.message}", http_status=422)
    return redirect("/admin#roster", f"已更新领导名单,共 {count} 人次,立即生效")


@router.post("/admin/roster/reset")
def admin_roster_reset(request: Request, service: ServiceDep, caller: PageCaller, csrf: CsrfField = ""):
    check_csrf(request, service, csrf)
    count = service.reset_roster(caller)
    return redirect("/admin#roster", f"已恢复为配置文件中的领导名单,共 {count} 人次")


@router.post("/admin/models/{version}/promote")
def admin_promote(request: Request, service: ServiceDep, caller: PageCaller, version: str, csrf: CsrfField = ""):
    check_csrf(request, service, csrf)
    learning_loop(service).promote(caller, version)
    return redirect("/admin", f"已上线模型 {version}")


@router.post("/admin/models/rollback")
def admin_rollback(request: Request, service: ServiceDep, caller: PageCaller, csrf: CsrfField = ""):
    check_csrf(request, service, csrf)
    version = learning_loop(service).rollback(caller)["promoted"]
    return redirect("/admin", f"已回退到模型 {version}")


@router.post("/admin/retrain")
def admin_retrain(request: Request, service: ServiceDep, caller: PageCaller, csrf: CsrfField = "",
                  data: UploadFile | None = None):
    check_csrf(request, service, csrf)
    extra = data.file.read() if data is not None and data.filename else None
    job = learning_loop(service).start_retrain(caller, extra)
    return RedirectResponse(f"/admin/jobs/{quote(job['id'])}", status_code=303)


@router.get("/admin/jobs/{job_id}", response_class=HTMLResponse)
def admin_job(request: Request, service: ServiceDep, caller: PageCaller, job_id: str):
    job = learning_loop(service).job(caller, job_id)
    view = describe_result(job["result"]) if job["result"] else None
    return render(request, service, caller, "job.html", job=job, view=view)


@router.get("/admin/reports/{name}/{file}", response_model=None)
def admin_report_file(service: ServiceDep, caller: PageCaller, name: str, file: str):
    return FileResponse(learning_loop(service).report_file(caller, name, file))


@router.get("/uncertain", response_class=HTMLResponse)
def uncertain(request: Request, service: ServiceDep, caller: PageCaller):
    result = learning_loop(service).uncertain(caller, limit=30)
    return render(request, service, caller, "uncertain.html", result=result)


@router.post("/admin/users", response_model=None)
def admin_add_user(request: Request, service: ServiceDep, caller: PageCaller, csrf: CsrfField = "",
                   username: Annotated[str, Form(max_length=100)] = "",
                   password: Annotated[str, Form(max_length=200)] = "",
                   role: Annotated[str, Form(max_length=20)] = "", unit: Annotated[str, Form(max_length=200)] = "",
                   unit_head: Annotated[bool, Form()] = False):
    check_csrf(request, service, csrf)
    try:
        service.add_user(username.strip(), password, role, unit.strip() or None, actor=caller, unit_head=unit_head)
    except Conflict as exc:  # the form comes back with what was typed (not the password) and the reason
        return _admin_page(request, service, caller, form={"username": username, "role": role, "unit": unit},
                           error=exc.message, http_status=exc.status)
    return redirect("/admin", f"已添加用户 {username.strip()}")


@router.post("/admin/users/{username}/disable")
def admin_disable_user(request: Request, service: ServiceDep, caller: PageCaller, username: str, csrf: CsrfField = ""):
    check_csrf(request, service, csrf)
    service.disable_user(username, actor=caller)
    return redirect("/admin", f"已停用用户 {username}")


@router.post("/admin/users/{username}/enable")
def admin_enable_user(request: Request, service: ServiceDep, caller: PageCaller, username: str, csrf: CsrfField = ""):
    check_csrf(request, service, csrf)
    service.enable_user(username, actor=caller)
    return redirect("/admin", f"已启用用户 {username}")


@router.get("/admin/audit", response_class=HTMLResponse)
def admin_audit(request: Request, service: ServiceDep, caller: PageCaller,
                user: Annotated[str, Query(max_length=80)] = "", action: Annotated[str, Query(max_length=40)] = "",
                start_text: Annotated[str, Query(alias="from", max_length=20)] = "",
                end_text: Annotated[str, Query(alias="to", max_length=20)] = "",
                page: Annotated[int, Query(ge=1, le=10_000)] = 1):
    start, end = _date(start_text, "开始日期"), _date(end_text, "结束日期")
    size = 50
    audit = service.audit_log(caller, user=user or None, action=action or None,
                              since=clock.day_start(start) if start else None,
                              until=clock.day_after(end) if end else None, limit=size, offset=(page - 1) * size)
    filters = {k: v for k, v in {"user": user, "action": action, "from": start and start.isoformat(),
                                 "to": end and end.isoformat()}.items() if v}
    return render(request, service, caller, "audit.html", audit=audit, filters=filters, page=page,
                  pages=max(1, -(-audit["total"] // size)), query=urlencode(filters),
                  usernames=[u["username"] for u in service.list_users(actor=caller)],
                  actions=sorted(set(audit["actions"]) | set(AUDIT_NAMES_ZH), key=lambda a: AUDIT_NAMES_ZH.get(a, a)))
