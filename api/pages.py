"""The web pages: server-rendered Chinese HTML over the same `ReviewService` as the API.

Sessions are the API's signed access token kept in an HttpOnly, SameSite=Strict cookie.
Every form that changes something carries a CSRF token derived from the session (an HMAC
of the session token), checked on the server; the login form, made before any session
exists, uses a double-submit cookie. Templates autoescape all user text.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated
from urllib.parse import quote, unquote, urlencode

from fastapi import APIRouter, Depends, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from api.deps import ServiceDep
from api.errors import Conflict, ServiceError
from api.learning import learning_loop
from api.services import ADOPT_LEVELS, INSTRUCT_LEVELS, Caller, ReviewService
from review import clock
from review.brief import CATEGORIES, CATEGORY_NAMES_ZH, FLAG_NAMES_ZH, LEVEL_NAMES_ZH
from review.errors import BriefError
from review.records import parse_record, read_draft

SESSION_COOKIE = "br_session"
FLASH_COOKIE = "br_flash"
LOGIN_CSRF_COOKIE = "br_login_csrf"
HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")

STATUS_NAMES_ZH = {"submitted": "待审", "resubmitted": "修改后重报", "returned": "退回修改", "adopted": "已采用",
                   "rejected": "未采用"}
ACTION_NAMES_ZH = {"adopt": "采用", "instruction": "批示", "return": "退回修改", "reject": "不采用",
                   "recategorise": "更正类别"}
REASON_NAMES_ZH = {"adoption": "采用可能", "category": "类别价值", "urgency": "紧急程度", "freshness": "时效",
                   "quality": "写作质量"}
SEVERITY_NAMES_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
# Audit log entries as the administrator reads them (the stored action codes stay English).
AUDIT_NAMES_ZH = {"login": "登录", "logout": "退出登录", "submit": "报送", "resubmit": "修改后重报",
                  "user_add": "添加用户", "user_disable": "停用用户", "model_promote": "启用模型",
                  "model_rollback": "回退模型", "retrain": "开始重新训练",
                  **{f"decide_{code}": name for code, name in ACTION_NAMES_ZH.items()}}
templates.env.globals.update(
    CATEGORIES=CATEGORIES, CATEGORY_NAMES=CATEGORY_NAMES_ZH, FLAG_NAMES=FLAG_NAMES_ZH, LEVEL_NAMES=LEVEL_NAMES_ZH,
    STATUS_NAMES=STATUS_NAMES_ZH, ACTION_NAMES=ACTION_NAMES_ZH, REASON_NAMES=REASON_NAMES_ZH,
    SEVERITY_NAMES=SEVERITY_NAMES_ZH, AUDIT_NAMES=AUDIT_NAMES_ZH, ADOPT_LEVELS=ADOPT_LEVELS, INSTRUCT_LEVELS=INSTRUCT_LEVELS,
)
templates.env.filters["when"] = lambda iso: iso[:16].replace("T", " ") if iso else ""


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


def render(request: Request, service: ReviewService, caller: Caller | None, name: str, *, http_status: int = 200,
           **context) -> HTMLResponse:
    session = request.cookies.get(SESSION_COOKIE, "")
    flash = unquote(request.cookies.get(FLASH_COOKIE, ""))[:200]
    context.update(user=caller, csrf=csrf_token(service, session) if session else "", flash=flash)
    response = templates.TemplateResponse(request, name, context, status_code=http_status)
    if flash:
        response.delete_cookie(FLASH_COOKIE)  # shown once
    return response


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


def highlight(text: str, flags: list[dict], start: int, end: int) -> Markup:
    """`text[start:end]` escaped, with each flag's evidence span marked (numbered as in the flag list)."""
    marks = sorted((max(f["span"][0], start), min(f["span"][1], end), n, f) for n, f in enumerate(flags, 1)
                   if f.get("span") and f["span"][0] < end and f["span"][1] > start)
    out, pos = [], start
    for lo, hi, n, flag in marks:
        if lo < pos:  # overlapping evidence: the first mark wins
            continue
        out.append(escape(text[pos:lo]))
        out.append(Markup('<mark class="sev-{}" title="{}" data-flag="{}">{}<sup>{}</sup></mark>').format(
            flag["severity"], FLAG_NAMES_ZH.get(flag["code"], flag["code"]), flag["code"], text[lo:hi], n))
        pos = hi
    out.append(escape(text[pos:end]))
    return Markup("").join(out)


def highlighted(title: str, body: str, review: dict | None) -> dict:
    """Title and body with the review's evidence highlighted; spans index `title + "\\n" + body`."""
    flags = (review or {}).get("flags", [])
    text = f"{title}\n{body}" if title and body else (title or body)
    offset = len(title) + 1 if title and body else (0 if not title else len(text))
    return {"title": highlight(text, flags, 0, len(title)) if title else Markup(""),
            "body": highlight(text, flags, offset, len(text)) if body else Markup("")}


def bar_chart(stats: list[dict], top: int = 20) -> Markup:
    """A horizontal bar chart of points by unit as inline SVG (no script, prints well)."""
    rows = stats[:top]
    if not rows:
        return Markup("")
    peak = max(r["points"] for r in rows) or 1.0
    label_w, bar_w, row_h = 190, 360, 22
    height = row_h * len(rows) + 10
    parts = [Markup('<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="各单位得分排名">').format(
        label_w + bar_w + 60, height)]
    for i, r in enumerate(rows):
        y = 5 + i * row_h
        width = max(1.0, bar_w * r["points"] / peak)
        parts.append(Markup(
            '<text x="{}" y="{}" text-anchor="end" class="lbl">{}. {}</text>'
            '<rect x="{}" y="{}" width="{:.1f}" height="{}" class="bar"><title>{}:{} 分</title></rect>'
            '<text x="{:.1f}" y="{}" class="val">{}</text>').format(
            label_w - 6, y + 15, r["rank"], r["unit"], label_w, y + 3, width, row_h - 6, r["unit"], r["points"],
            label_w + width + 4, y + 15, r["points"]))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


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


@router.post("/check", response_class=HTMLResponse)
def check(request: Request, service: ServiceDep, caller: PageCaller, csrf: CsrfField = "",
          title: Annotated[str, Form(max_length=500)] = "", body: Annotated[str, Form(max_length=100_000)] = "",
          file: UploadFile | None = None, apply: Annotated[str, Form(max_length=10)] = ""):
    check_csrf(request, service, csrf)
    unit = service.unit_name(caller.unit_id) if caller.unit_id else "未填写单位"
    now = clock.now()
    try:
        if file is not None and file.filename:
            draft = read_draft(file.filename, file.file.read(), unit=unit, submitted_at=now, title=title or None)
        else:
            draft = parse_record({"id": "draft", "unit": unit, "title": title, "body": body},
                                 default_submitted_at=now)
    except BriefError as exc:
        return render(request, service, caller, "check.html", http_status=422, title=title, body=body, result=None,
                      error=str(exc), idempotency_key=uuid.uuid4().hex)
    applied = None
    if apply == "all":  # 全部采纳: apply every certain suggestion, then check the corrected draft
        fixed = service.check(draft, fix=True)["fixed"]
        applied = fixed["applied"]
        draft = replace(draft, title=fixed["title"], body=fixed["body"])
    result = service.check(draft)
    return render(request, service, caller, "check.html", title=draft.title, body=draft.body, result=result,
                  applied=applied, marked=highlighted(draft.title, draft.body, result),
                  similar=service.similar(draft.title, draft.body, result, caller=caller),
                  idempotency_key=uuid.uuid4().hex)


@router.post("/submit")
def submit(request: Request, service: ServiceDep, caller: PageCaller, csrf: CsrfField = "",
           title: Annotated[str, Form(max_length=500)] = "", body: Annotated[str, Form(max_length=100_000)] = "",
           idempotency_key: Annotated[str, Form(max_length=200)] = ""):
    check_csrf(request, service, csrf)
    parse_record({"id": "new", "unit": "u", "title": title, "body": body}, default_submitted_at=clock.now())
    brief = service.submit(caller, title, body, idempotency_key=idempotency_key or None)
    return redirect(f"/briefs/{quote(brief['id'])}", "已报送,等待信息科审核")


@router.get("/mine", response_class=HTMLResponse)
def mine(request: Request, service: ServiceDep, caller: PageCaller, status: str | None = None,
         page: Annotated[int, Query(ge=1, le=10_000)] = 1):
    size = 30
    listing = service.list_briefs(caller, status=status or None, limit=size, offset=(page - 1) * size)
    unit = service.unit_name(caller.unit_id) if caller.unit_id else "全部单位"
    return render(request, service, caller, "mine.html", listing=listing, status=status or "", page=page, size=size,
                  unit=unit, pages=max(1, -(-listing["total"] // size)))


@router.get("/briefs/{brief_id}", response_class=HTMLResponse)
def brief_page(request: Request, service: ServiceDep, caller: PageCaller, brief_id: str,
               back: Annotated[str | None, Query(max_length=1000)] = None):
    brief = service.get_brief(caller, brief_id)
    editors = service.user_names([d["editor_id"] for d in brief["decisions"] if d["editor_id"]])
    return render(request, service, caller, "brief.html", brief=brief, review=brief["review"] or {},
                  marked=highlighted(brief["title"], brief["body"], brief["review"]), editors=editors,
                  similar=service.similar(brief["title"], brief["body"], brief["review"] or {},
                                                 caller=caller, brief_id=brief_id), back=_safe_next(back) or "/queue")


@router.post("/briefs/{brief_id}/decide")
def decide(request: Request, service: ServiceDep, caller: PageCaller, brief_id: str, csrf: CsrfField = "",
           action: Annotated[str, Form(max_length=20)] = "", level: Annotated[str, Form(max_length=20)] = "",
           compiled: Annotated[bool, Form()] = False, category: Annotated[str, Form(max_length=20)] = "",
           text: Annotated[str, Form(max_length=5000)] = "", back: Annotated[str, Form(max_length=1000)] = ""):
    check_csrf(request, service, csrf)
    brief = service.decide(caller, brief_id, action, level=level or None, compiled=compiled,
                           category=category or None, text=text)
    what = ACTION_NAMES_ZH.get(action, action) + (f"({LEVEL_NAMES_ZH.get(level, level)})" if level else "")
    message = f"已记录:{what} · {brief['title'][:30]}"
    if action == "recategorise":
        return redirect(f"/briefs/{quote(brief_id)}", message)
    return redirect(_safe_next(back) or "/queue", message)


@router.post("/briefs/{brief_id}/resubmit")
def resubmit(request: Request, service: ServiceDep, caller: PageCaller, brief_id: str, csrf: CsrfField = "",
             title: Annotated[str, Form(max_length=500)] = "", body: Annotated[str, Form(max_length=100_000)] = ""):
    check_csrf(request, service, csrf)
    parse_record({"id": brief_id, "unit": "u", "title": title, "body": body},
                 default_submitted_at=clock.now())
    service.resubmit(caller, brief_id, title, body)
    return redirect(f"/briefs/{quote(brief_id)}", "已修改并重新报送")


@router.get("/queue", response_class=HTMLResponse)
def queue(request: Request, service: ServiceDep, caller: PageCaller,
          category: Annotated[str, Query(max_length=20)] = "", unit: Annotated[str, Query(max_length=200)] = "",
          flag: Annotated[str, Query(max_length=30)] = "", status: Annotated[str, Query(max_length=20)] = "",
          urgent: Annotated[str, Query(max_length=5)] = "",
          start_text: Annotated[str, Query(alias="from", max_length=20)] = "",
          end_text: Annotated[str, Query(alias="to", max_length=20)] = "",
          page: Annotated[int, Query(ge=1, le=10_000)] = 1):
    _editor(caller)
    start, end = _date(start_text, "开始日期"), _date(end_text, "结束日期")
    size = 30
    since, until = (_bounds(start, end or start)[0] if start else None), (_bounds(end, end)[1] if end else None)
    listing = service.queue(caller, category=category or None, unit=unit or None, flag=flag or None,
                            status=status or None, urgent={"1": True, "0": False}.get(urgent),
                            since=since, until=until, limit=size, offset=(page - 1) * size)
    filters = {k: v for k, v in {"category": category, "unit": unit, "flag": flag, "status": status,
                                 "urgent": urgent, "from": start and start.isoformat(),
                                 "to": end and end.isoformat()}.items() if v}
    here = "/queue" + ("?" + urlencode({**filters, "page": page}) if filters or page > 1 else "")
    return render(request, service, caller, "queue.html", listing=listing, filters=filters, page=page, size=size,
                  pages=max(1, -(-listing["total"] // size)), here=here, units=service.unit_names(),
                  query=urlencode(filters))


@router.get("/report", response_class=HTMLResponse)
def report(request: Request, service: ServiceDep, caller: PageCaller,
           start_text: Annotated[str, Query(alias="from", max_length=20)] = "",
           end_text: Annotated[str, Query(alias="to", max_length=20)] = ""):
    _editor(caller)
    start, end = _period(_date(start_text, "开始日期"), _date(end_text, "结束日期"))
    stats = service.unit_stats(caller, *_bounds(start, end))
    return render(request, service, caller, "report.html", stats=stats, start=start, end=end,
                  chart=bar_chart(stats), query=urlencode({"from": start.isoformat(), "to": end.isoformat()}))


@router.get("/report/export.{fmt}")
def report_export(service: ServiceDep, caller: PageCaller, fmt: str,
                  start_text: Annotated[str, Query(alias="from", max_length=20)] = "",
                  end_text: Annotated[str, Query(alias="to", max_length=20)] = ""):
    from api.export import export_response

    _editor(caller)
    start, end = _period(_date(start_text, "开始日期"), _date(end_text, "结束日期"))
    return export_response(service.unit_stats(caller, *_bounds(start, end)), start, end, fmt)


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


@router.get("/admin", response_class=HTMLResponse)
def admin(request: Request, service: ServiceDep, caller: PageCaller):
    import json

    users = service.list_users(actor=caller)  # administrators only: 403 otherwise
    loop = learning_loop(service)
    try:
        models, reports, registry_error = loop.list_models(caller), loop.list_reports(caller), ""
    except ServiceError as exc:  # a service pinned to one model directory has no registry
        models, reports, registry_error = None, [], exc.message
    return render(request, service, caller, "admin.html", users=users, audit=service.audit_log(caller, limit=50),
                  config=json.dumps(service.config.to_dict(), ensure_ascii=False, indent=2),
                  model_version=service.model.version, units=service.unit_names(), models=models,
                  reports=reports[:10], registry_error=registry_error)


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
    return render(request, service, caller, "job.html", job=job)


@router.get("/admin/reports/{name}/{file}", response_model=None)
def admin_report_file(service: ServiceDep, caller: PageCaller, name: str, file: str):
    from fastapi.responses import FileResponse

    return FileResponse(learning_loop(service).report_file(caller, name, file))


@router.get("/uncertain", response_class=HTMLResponse)
def uncertain(request: Request, service: ServiceDep, caller: PageCaller):
    result = learning_loop(service).uncertain(caller, limit=30)
    return render(request, service, caller, "uncertain.html", result=result)


@router.post("/admin/users")
def admin_add_user(request: Request, service: ServiceDep, caller: PageCaller, csrf: CsrfField = "",
                   username: Annotated[str, Form(max_length=100)] = "",
                   password: Annotated[str, Form(max_length=200)] = "",
                   role: Annotated[str, Form(max_length=20)] = "", unit: Annotated[str, Form(max_length=200)] = ""):
    check_csrf(request, service, csrf)
    service.add_user(username.strip(), password, role, unit.strip() or None, actor=caller)
    return redirect("/admin", f"已添加用户 {username.strip()}")


@router.post("/admin/users/{username}/disable")
def admin_disable_user(request: Request, service: ServiceDep, caller: PageCaller, username: str, csrf: CsrfField = ""):
    check_csrf(request, service, csrf)
    service.disable_user(username, actor=caller)
    return redirect("/admin", f"已停用用户 {username}")
