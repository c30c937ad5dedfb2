"""The FastAPI application: routes under /api/v1, thin over `ReviewService`."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, Form, Header, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import OAuth2PasswordRequestForm
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from api.admin import router as admin_router
from api.deps import CallerDep, ServiceDep, oauth2
from api.errors import ServiceError
from api.export import DOCX, XLSX, export_response
from api.learning import learning_loop, serving_models
from api.limits import BodyLimit, BodyTooLarge
from api.pages.base import LoginRequired, error_page, is_page
from api.pages import router as pages_router
from api.responses import (AuditPageOut, BriefOut, BriefPageOut, BulkOut, ChainOut, CheckOut, ClusterAdoptedOut,
                           ClusterOut, FollowupOut, HealthOut, QueuePageOut, RosterOut, SettingOut, SettingsChangedOut,
                           SummaryOut, TokenOut, TopicOut, TypedRoute, UnitStatsPageOut, UserOut)
from api.schemas import (ERROR_RESPONSES, MAX_OFFSET, BulkDecisionIn, ChainIn, ClusterAdoptionIn, DecisionIn,
                         DraftIn, FeedbackIn, OfficeDate, SignoffIn, TopicIn, UserIn)
from api.services import ReviewService
from api.settings import Settings, get_settings, secret_key
from api.validation import describe
from review import clock
from review.config import load_config
from review.errors import BriefError
from review.records import parse_record, read_draft
from storage.db import make_engine, upgrade

# Pages load only their own script and styles (inline style attributes are used for bars and
# meters); nothing may frame them, and browsers must not guess content types.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                               "frame-ancestors 'none'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

API_DOCS = ("/docs", "/docs/oauth2-redirect", "/redoc")


def build_service(settings: Settings) -> ReviewService:
    """Open the database (migrating it), load the model (the registry's champion) and configuration."""
    engine = make_engine(settings.database_url)
    upgrade(engine)
    service = ReviewService(engine, serving_models(settings), load_config(settings.config),
                            secret=secret_key(settings), token_minutes=settings.token_minutes,
                            index_dir=settings.dup_index)
    service.open_index()  # now, before the first request: a locked index stops the start, in words
    learning_loop(service).start_scheduler()
    return service


def create_app(settings: Settings | None = None, service: ReviewService | None = None) -> FastAPI:
    """The app; the model loads once, in the lifespan."""
    settings = settings or get_settings()
    clock.office_zone()  # a misspelt BRIEFS_TIMEZONE stops the start, in words, before any brief is stamped

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.service = service or build_service(settings)
        yield
        app.state.service.engine.dispose()
        if service is None:  # a service built here lets go of its duplicate index (and the lock on its directory)
            app.state.service.close()

    app = FastAPI(title="brief-review", version="0.1.0", lifespan=lifespan, responses=ERROR_RESPONSES,
                  description="政务信息审核服务:自查、预审队列、采用决定")
    app.router.route_class = TypedRoute  # every route's response is its declared model (api/responses.py)
    app.include_router(admin_router)  # the learning loop: models, retraining, reports, uncertain items

    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        if "\x00" in request.url.path or b"%00" in request.scope.get("query_string", b"").lower():
            # no route or database takes a NUL character; refused before any reaches a query
            return error(request, 422, "invalid_text", "地址或查询参数含有空字符(\\0),请删去后重试")
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            if name == "Content-Security-Policy" and request.url.path in API_DOCS:
                continue  # the OpenAPI pages run FastAPI's own inline script
            response.headers.setdefault(name, value)
        return response

    def error(request: Request, status: int, code: str, message: str) -> Response:
        """Errors as JSON `{code, message}` for the API, as a page (or a login redirect) for the pages."""
        if is_page(request):
            return error_page(request, status, code, message)
        return _error(status, code, message)

    @app.exception_handler(ServiceError)
    async def service_error(request: Request, exc: ServiceError):
        return error(request, exc.status, exc.code, exc.message)

    @app.exception_handler(BriefError)
    async def brief_error(request: Request, exc: BriefError):
        # A record here is the one form or body just sent: its internal id ("draft") and
        # line would only confuse; the message names the field.
        return error(request, 422, exc.code, exc.message)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired):
        return error(request, 401, "unauthorized", "请先登录")

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        return error(request, 422, "invalid_request", describe(exc.errors()))

    @app.exception_handler(BodyTooLarge)
    async def body_too_large(request: Request, exc: BodyTooLarge):
        return error(request, 413, "payload_too_large", str(exc.detail))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 400:  # FastAPI could not read the body at all (not UTF-8, nested too deep…)
            return error(request, 400, "invalid_body", "请求体无法解析:应为 UTF-8 编码、结构正常的 JSON 或表单")
        messages = {401: "请先登录", 403: "没有权限", 404: "地址不存在", 405: "不支持该请求方法"}
        response = error(request, exc.status_code, f"http_{exc.status_code}",
                         messages.get(exc.status_code, "请求无法处理"))
        for name, value in (exc.headers or {}).items():  # e.g. Allow on a 405
            response.headers[name] = value
        if exc.status_code == 405:  # every method the path takes, not only the first route's
            response.headers["Allow"] = ", ".join(_methods(app, request.scope))
        return response

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):  # never a stack trace to the client
        logging.getLogger("brief_review").exception("unexpected error")
        return error(request, 500, "internal_error", "服务器内部错误,请稍后重试")

    app.include_router(pages_router)
    app.mount("/static", StaticFiles(directory=Path(__file__).resolve().parent / "static"), name="static")

    @app.get("/api/v1/healthz")
    def healthz(service: ServiceDep) -> HealthOut:
        return {"status": "ok", "model_version": service.model.version}

    @app.post("/api/v1/auth/token")
    def token(request: Request, service: ServiceDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> TokenOut:
        address = request.client.host if request.client else None
        return {"access_token": service.login(form.username, form.password, address=address), "token_type": "bearer"}

    @app.post("/api/v1/auth/logout", status_code=204)
    def logout(service: ServiceDep, caller: CallerDep, token: Annotated[str | None, Depends(oauth2)] = None):
        """End this token's session: it is refused from now on."""
        service.logout(token)
        return Response(status_code=204)

    @app.post("/api/v1/check")
    def check(service: ServiceDep, caller: CallerDep, draft: DraftIn, fix: bool = False) -> CheckOut:
        """Self-check of a draft; with ?fix=true also the draft with every certain suggestion applied."""
        record = {"id": "draft", "unit": draft.unit or "未填写单位", "title": draft.title, "body": draft.body}
        if draft.event_at:
            record["event_at"] = draft.event_at.isoformat()
        brief = parse_record(record, default_submitted_at=clock.now())
        result = service.check(brief, fix=fix)
        result["model_briefs"] = service.model_briefs(brief, result["category"])
        return result

    @app.post("/api/v1/check/file")
    def check_file(service: ServiceDep, caller: CallerDep, file: UploadFile,
                   unit: Annotated[str | None, Form(max_length=200)] = None) -> CheckOut:
        """Self-check of an uploaded draft: .docx, or .txt whose first line is the title."""
        draft = read_draft(file.filename or "draft.txt", file.file.read(), unit=unit,
                           submitted_at=clock.now())
        result = service.check(draft)
        result["model_briefs"] = service.model_briefs(draft, result["category"])
        return result

    @app.post("/api/v1/briefs", status_code=201)
    def submit(service: ServiceDep, caller: CallerDep, draft: DraftIn,
               idempotency_key: Annotated[str | None, Header(max_length=200)] = None) -> BriefOut:
        parse_record({"id": "new", "unit": "u", "title": draft.title, "body": draft.body},
                     default_submitted_at=clock.now())  # same validation as every record
        return service.submit(caller, draft.title, draft.body, event_at=draft.event_at,
                              idempotency_key=idempotency_key)

    @app.post("/api/v1/briefs/{brief_id}/versions", status_code=201)
    def resubmit(service: ServiceDep, caller: CallerDep, brief_id: str, draft: DraftIn) -> BriefOut:
        parse_record({"id": brief_id, "unit": "u", "title": draft.title, "body": draft.body},
                     default_submitted_at=clock.now())
        return service.resubmit(caller, brief_id, draft.title, draft.body)

    @app.get("/api/v1/briefs")
    def list_briefs(service: ServiceDep, caller: CallerDep, status: str | None = None,
                    q: Annotated[str | None, Query(max_length=200, description="关键词(标题或正文,空格分隔)")] = None,
                    unit: Annotated[str | None, Query(max_length=200)] = None,
                    category: Annotated[str | None, Query(max_length=20)] = None,
                    flag: Annotated[str | None, Query(pattern="^[a-z_]+$")] = None,
                    start: Annotated[OfficeDate | None, Query(alias="from")] = None,
                    end: Annotated[OfficeDate | None, Query(alias="to")] = None,
                    limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> BriefPageOut:
        """Briefs the caller may see (an officer: their own unit's), newest first, searched when asked."""
        return service.list_briefs(caller, status=status, q=q, unit=unit, category=category, flag=flag,
                                   since=clock.day_start(start) if start else None,
                                   until=clock.day_after(end) if end else None, limit=limit, offset=offset)

    @app.get("/api/v1/briefs/{brief_id}")
    def get_brief(service: ServiceDep, caller: CallerDep, brief_id: str) -> BriefOut:
        return service.get_brief(caller, brief_id)

    @app.get("/api/v1/clusters/{cluster_id}")
    def get_cluster(service: ServiceDep, caller: CallerDep, cluster_id: str) -> ClusterOut:
        return service.cluster(caller, cluster_id)

    @app.post("/api/v1/clusters/{cluster_id}/adoption")
    def adopt_cluster(service: ServiceDep, caller: CallerDep, cluster_id: str, adoption: ClusterAdoptionIn) -> ClusterAdoptedOut:
        return service.adopt_cluster(caller, cluster_id, adoption.level, adoption.text)

    @app.get("/api/v1/queue")
    def queue(service: ServiceDep, caller: CallerDep, category: str | None = None, unit: str | None = None,
              urgent: bool | None = None, status: str | None = None,
              flag: Annotated[str | None, Query(pattern="^[a-z_]+$")] = None,
              start: Annotated[OfficeDate | None, Query(alias="from")] = None,
              end: Annotated[OfficeDate | None, Query(alias="to")] = None,
              limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
              collapse: bool = False) -> QueuePageOut:
        """The queue; `collapse=true` gives one item per same-event cluster (its first-ranked member with
        `cluster_others`), as the queue page shows it."""
        since = clock.day_start(start) if start else None
        until = clock.day_after(end) if end else None
        return service.queue(caller, category=category, unit=unit, urgent=urgent, status=status, flag=flag,
                             since=since, until=until, limit=limit, offset=offset, collapse=collapse)

    @app.post("/api/v1/briefs/{brief_id}/decisions", status_code=201)
    def decide(service: ServiceDep, caller: CallerDep, brief_id: str, decision: DecisionIn,
               idempotency_key: Annotated[str | None, Header(max_length=200)] = None) -> BriefOut:
        return service.decide(caller, brief_id, decision.action, level=decision.level, compiled=decision.compiled,
                              category=decision.category, text=decision.text, idempotency_key=idempotency_key,
                              handling_units=decision.handling_units)

    @app.post("/api/v1/briefs/{brief_id}/signoff")
    def sign_off(service: ServiceDep, caller: CallerDep, brief_id: str, signoff: SignoffIn) -> BriefOut:
        """The unit head's 审签: approve sends the brief to the editors' queue, return sends it back."""
        return service.sign_off(caller, brief_id, signoff.action, signoff.text)

    @app.get("/api/v1/signoff")
    def pending_signoff(service: ServiceDep, caller: CallerDep) -> list[SummaryOut]:
        """The unit's briefs waiting for the unit head's 审签 (empty for everyone else)."""
        return service.pending_signoff(caller)

    @app.post("/api/v1/briefs/{brief_id}/chain")
    def confirm_chain(service: ServiceDep, caller: CallerDep, brief_id: str, chain: ChainIn) -> BriefOut:
        """Confirm the brief as a 续报 or 终报 of its unit's chain (the brief's `chain_suggestion` names one)."""
        return service.confirm_chain(caller, brief_id, chain.chain_id, chain.stage)

    @app.get("/api/v1/chains")
    def list_chains(service: ServiceDep, caller: CallerDep, overdue: bool | None = None) -> list[ChainOut]:
        """续报 chains, latest activity first; `overdue=true`: open chains with no 续报 in time."""
        return service.list_chains(caller, overdue=overdue)

    @app.get("/api/v1/chains/{chain_id}")
    def get_chain(service: ServiceDep, caller: CallerDep, chain_id: str) -> ChainOut:
        return service.chain(caller, chain_id)

    @app.get("/api/v1/followups")
    def list_followups(service: ServiceDep, caller: CallerDep,
                       status: Literal["waiting", "overdue", "answered", "answered_late"] | None = None) -> list[FollowupOut]:
        """批示 follow-ups, soonest deadline first: an officer's unit's, or all for editors; `status=overdue`
        is the overdue list."""
        return service.list_followups(caller, state=status)

    @app.post("/api/v1/followups/{followup_id}/feedback")
    def give_feedback(service: ServiceDep, caller: CallerDep, followup_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)],
                      feedback: FeedbackIn) -> FollowupOut:
        """The handling unit's officer enters its 落实反馈 (once)."""
        return service.give_feedback(caller, followup_id, feedback.text)

    @app.post("/api/v1/briefs/{brief_id}/decisions/{decision_id}/undo", status_code=201)
    def undo(service: ServiceDep, caller: CallerDep, brief_id: str,
             decision_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)],
             idempotency_key: Annotated[str | None, Header(max_length=200)] = None) -> BriefOut:
        """Take back a recent decision (撤销): the brief returns to its previous status."""
        return service.undo(caller, brief_id, decision_id, idempotency_key=idempotency_key)

    @app.post("/api/v1/decisions/bulk")
    def bulk_decide(service: ServiceDep, caller: CallerDep, bulk: BulkDecisionIn) -> BulkOut:
        """不采用 for several briefs; each is reported decided or refused (with a code and a reason)."""
        return service.bulk_reject(caller, bulk.brief_ids, bulk.text)

    @app.put("/api/v1/briefs/{brief_id}/topics/{topic_id}")
    def attach_topic(service: ServiceDep, caller: CallerDep, brief_id: str,
                     topic_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)]) -> BriefOut:
        """Attach a 约稿 topic to a brief by hand (editors): it stays on the brief whatever the matching says."""
        return service.link_topic(caller, brief_id, topic_id, attached=True)

    @app.delete("/api/v1/briefs/{brief_id}/topics/{topic_id}")
    def detach_topic(service: ServiceDep, caller: CallerDep, brief_id: str,
                     topic_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)]) -> BriefOut:
        """Take a 约稿 topic off a brief (editors): matching no longer puts it there."""
        return service.link_topic(caller, brief_id, topic_id, attached=False)

    @app.get("/api/v1/topics")
    def topics(service: ServiceDep, caller: CallerDep, open_only: bool = False) -> list[TopicOut]:
        return service.list_topics(open_at=clock.now() if open_only else None)

    @app.post("/api/v1/topics", status_code=201)
    def create_topic(service: ServiceDep, caller: CallerDep, topic: TopicIn) -> TopicOut:
        deadline = clock.localize(topic.deadline)
        return service.create_topic(caller, topic.title, topic.description, deadline)

    @app.get("/api/v1/admin/roster")
    def roster(service: ServiceDep, caller: CallerDep) -> RosterOut:
        """The leaders' roster the name_title check reads, and who uploaded it when (null: the configuration's)."""
        return service.roster(caller)

    @app.put("/api/v1/admin/roster")
    def upload_roster(service: ServiceDep, caller: CallerDep, file: UploadFile) -> RosterOut:
        """Replace the roster with a CSV or XLSX (姓名,单位,职务,任职起始,任职截止); applied at once, audited."""
        service.upload_roster(caller, file.filename or "", file.file.read())
        return service.roster(caller)

    @app.delete("/api/v1/admin/roster")
    def reset_roster(service: ServiceDep, caller: CallerDep) -> RosterOut:
        """Back to the configuration file's roster."""
        service.reset_roster(caller)
        return service.roster(caller)

    @app.get("/api/v1/admin/users")
    def users(service: ServiceDep, caller: CallerDep) -> list[UserOut]:
        return service.list_users(actor=caller)

    @app.post("/api/v1/admin/users", status_code=201)
    def add_user(service: ServiceDep, caller: CallerDep, user: UserIn) -> UserOut:
        service.add_user(user.username, user.password, user.role, user.unit, actor=caller, unit_head=user.unit_head)
        return next(u for u in service.list_users(actor=caller) if u["username"] == user.username)

    @app.post("/api/v1/admin/users/{username}/disable")
    def disable_user(service: ServiceDep, caller: CallerDep, username: str) -> UserOut:
        service.disable_user(username, actor=caller)
        return next(u for u in service.list_users(actor=caller) if u["username"] == username)

    @app.post("/api/v1/admin/users/{username}/enable")
    def enable_user(service: ServiceDep, caller: CallerDep, username: str) -> UserOut:
        service.enable_user(username, actor=caller)
        return next(u for u in service.list_users(actor=caller) if u["username"] == username)

    @app.get("/api/v1/admin/settings")
    def editable_settings(service: ServiceDep, caller: CallerDep) -> list[SettingOut]:
        """The points table and freshness windows: value in force, the file's value, overridden or not."""
        return service.editable_settings(caller)

    @app.patch("/api/v1/admin/settings")
    def update_settings(service: ServiceDep, caller: CallerDep, values: dict[str, float | int | str]) -> SettingsChangedOut:
        """Change some of them (`{"points.adoption.city": 9}`); applied at once, audited old → new."""
        return {"changes": service.update_settings(caller, values), "settings": service.editable_settings(caller)}

    @app.get("/api/v1/admin/audit")
    def audit(service: ServiceDep, caller: CallerDep, limit: Annotated[int, Query(ge=1, le=500)] = 100,
              offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
              user: Annotated[str | None, Query(max_length=80)] = None,
              action: Annotated[str | None, Query(max_length=40)] = None,
              start: Annotated[OfficeDate | None, Query(alias="from")] = None,
              end: Annotated[OfficeDate | None, Query(alias="to")] = None) -> AuditPageOut:
        """The audit log, newest first; `user` (username, `-` for the command line), `action`
        (stored code) and `from`/`to` (office days, both included) filter it."""
        return service.audit_log(caller, limit=limit, offset=offset, user=user or None, action=action or None,
                                 since=clock.day_start(start) if start else None,
                                 until=clock.day_after(end) if end else None)

    @app.get("/api/v1/stats/units", response_model=None, responses={200: {
        "model": UnitStatsPageOut, "description": "format=json:各单位统计;csv/xlsx/docx:文件",
        "content": {"text/csv": {}, XLSX: {}, DOCX: {}}}})
    def unit_stats(service: ServiceDep, caller: CallerDep, start: Annotated[OfficeDate, Query(alias="from")],
                   end: Annotated[OfficeDate, Query(alias="to")],
                   format: Annotated[str, Query(pattern="^(json|csv|xlsx|docx)$")] = "json"):
        """Per-unit statistics for briefs submitted from `from` to `to` (both days included), as JSON,
        CSV, XLSX or the Word 通报 (`format=docx`); equal points share a rank (`tied`)."""
        begin = clock.day_start(start)
        finish = clock.day_after(end)
        stats = service.unit_stats(caller, begin, finish)
        if format == "json":
            return {"from": start.isoformat(), "to": end.isoformat(), "units": stats}
        return export_response(stats, start, end, format, config=service.config, units=service.unit_names())

    return app


def _methods(app: FastAPI, scope) -> list[str]:
    """The methods of all routes matching the request's path."""
    methods: set[str] = set()
    for route in app.router.routes:
        if getattr(route, "methods", None) and route.matches({**scope, "method": "GET"})[0] != Match.NONE:
            methods |= route.methods
    return sorted(methods)


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"code": code, "message": message})
