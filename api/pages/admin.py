"""The administrators' page: settings, the roster, models and retraining, users, the audit log."""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from api.deps import ServiceDep
from api.editable import BY_KEY, InvalidSettings
from api.errors import Conflict, ServiceError
from api.learning import learning_loop
from api.pages.base import (
    AUDIT_NAMES_ZH,
    CsrfField,
    DayRangeQuery,
    PageCaller,
    PageNumber,
    check_csrf,
    redirect,
    render,
)
from api.retrain_result import describe_result
from api.services import Caller, ReviewService

router = APIRouter(include_in_schema=False)


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
def admin_audit(request: Request, service: ServiceDep, caller: PageCaller, days: DayRangeQuery,
                user: Annotated[str, Query(max_length=80)] = "", action: Annotated[str, Query(max_length=40)] = "",
                page: PageNumber = 1):
    size = 50
    audit = service.audit_log(caller, user=user or None, action=action or None,
                              since=days.since, until=days.until, limit=size, offset=(page - 1) * size)
    filters = {k: v for k, v in {"user": user, "action": action, **days.query()}.items() if v}
    return render(request, service, caller, "audit.html", audit=audit, filters=filters, page=page,
                  pages=max(1, -(-audit["total"] // size)), query=urlencode(filters),
                  usernames=[u["username"] for u in service.list_users(actor=caller)],
                  actions=sorted(set(audit["actions"]) | set(AUDIT_NAMES_ZH), key=lambda a: AUDIT_NAMES_ZH.get(a, a)))
