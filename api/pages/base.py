"""What every page shares: the session cookie and CSRF, rendering with the user's counts,
redirects with a flash message, highlighting flagged text, and reading dates from forms.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated
from urllib.parse import quote, unquote

from fastapi import Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from api.deps import ServiceDep
from api.errors import Conflict, ServiceError
from api.formats import format_points
from api.services import ADOPT_LEVELS, INSTRUCT_LEVELS, Caller, ReviewService
from review import clock
from review.brief import CATEGORIES, CATEGORY_NAMES_ZH, LEVEL_NAMES_ZH
from review.checks import flag_names_zh
from review.periods import month_ranges
from review.standings import rank_label

SESSION_COOKIE = "br_session"
FLASH_COOKIE = "br_flash"
UNDO_COOKIE = "br_undo"  # "brief_id/decision_id" of the decision just made: the flash offers 撤销
LOGIN_CSRF_COOKIE = "br_login_csrf"
HERE = Path(__file__).resolve().parent.parent  # api/: templates/ and static/ live there
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
# The page number of every listing page.
PageNumber = Annotated[int, Query(ge=1, le=10_000)]


def followups_due(service: ReviewService, caller: Caller | None) -> int:
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
    undo = undo_offer(request.cookies.get(UNDO_COOKIE, "")) if flash else None
    context.update(user=caller, csrf=csrf_token(service, session) if session else "", flash=flash, undo=undo,
                   canned=service.config.section("desk")["return_comments"],
                   returned_count=service.returned_count(caller) if caller is not None else 0,
                   followups_due=followups_due(service, caller),
                   signoff_due=len(service.pending_signoff(caller)) if caller is not None and caller.unit_head else 0)
    response = templates.TemplateResponse(request, name, context, status_code=http_status)
    if flash:
        response.delete_cookie(FLASH_COOKIE)  # shown once
    if request.cookies.get(UNDO_COOKIE):
        response.delete_cookie(UNDO_COOKIE)
    return response


def undo_offer(value: str) -> dict | None:
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


def home_url(caller: Caller) -> str:
    return "/mine" if caller.role == "officer" else "/queue"


def safe_next(target: str | None) -> str | None:
    """Only same-site paths: never redirect a login to another host."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def require_editor(caller: Caller) -> None:
    if caller.role not in ("editor", "admin"):
        raise ServiceError("该页面仅供编辑使用", code="forbidden", status=403)


# --- rendering helpers ---------------------------------------------------------------------


def flag_spans(flag: dict) -> list[list[int]]:
    """Every occurrence a flag marks; reviews stored before flags had `spans` have one `span`."""
    return flag.get("spans") or ([flag["span"]] if flag.get("span") else [])


def highlight(text: str, flags: list[dict], start: int, end: int) -> Markup:
    """`text[start:end]` escaped, with every occurrence of each flag's evidence marked (numbered as in
    the flag list; the k-th occurrence of flag n has the id `flag-n-k`, which the list links to)."""
    marks = sorted((max(a, start), min(b, end), n, k, f) for n, f in enumerate(flags, 1)
                   for k, (a, b) in enumerate(flag_spans(f), 1) if a < end and b > start)
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
    occurrences = {n: [(f"flag-{n}-{k}", text[a:b]) for k, (a, b) in enumerate(flag_spans(f), 1) if b <= len(text)]
                   for n, f in enumerate(flags, 1)}
    return {"title": highlight(text, flags, 0, len(title)) if title else Markup(""),
            "body": highlight(text, flags, offset, len(text)) if body else Markup(""),
            "occurrences": occurrences}


def parse_date(value: str, what: str) -> date | None:
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


@dataclass(frozen=True)
class DayRange:
    """The `from` and `to` days of a listing page's query; either may be missing."""
    start: date | None
    end: date | None

    @property
    def since(self) -> datetime | None:
        return clock.day_start(self.start) if self.start else None

    @property
    def until(self) -> datetime | None:
        return clock.day_after(self.end) if self.end else None

    def query(self) -> dict[str, str]:
        """The days given, as the page's links carry them."""
        return {k: d.isoformat() for k, d in (("from", self.start), ("to", self.end)) if d}


def day_range(start: Annotated[str, Query(alias="from", max_length=20)] = "",
              end: Annotated[str, Query(alias="to", max_length=20)] = "") -> DayRange:
    return DayRange(parse_date(start, "开始日期"), parse_date(end, "结束日期"))


DayRangeQuery = Annotated[DayRange, Depends(day_range)]


def period_of(start: date | None, end: date | None) -> tuple[date, date]:
    today = clock.today()
    return start or today.replace(day=1), end or today


def bounds_of(start: date, end: date) -> tuple[datetime, datetime]:
    return clock.day_start(start), clock.day_after(end)
