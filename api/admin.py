"""Routes of the learning loop: model administration (admins), reports, the uncertain-items queue.

Thin, like the rest of the API: each route makes one call to `api.learning.LearningLoop`,
which enforces the roles. Errors are the API's JSON `{"code", "message"}`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, UploadFile
from fastapi.responses import FileResponse

from api.deps import CallerDep, ServiceDep
from api.learning import LearningLoop, learning_loop
from api.responses import JobOut, ModelsOut, ReportOut, ServingOut, TypedRoute, UncertainOut

router = APIRouter(prefix="/api/v1", route_class=TypedRoute)


def get_loop(service: ServiceDep) -> LearningLoop:
    """The learning loop of the app's service."""
    return learning_loop(service)


LoopDep = Annotated[LearningLoop, Depends(get_loop)]


@router.get("/queue/uncertain")
def uncertain(loop: LoopDep, caller: CallerDep, limit: Annotated[int, Query(ge=1, le=200)] = 20) -> UncertainOut:
    """Open briefs with the smallest margin between the model's two likeliest categories (editors)."""
    return loop.uncertain(caller, limit=limit)


@router.get("/admin/models")
def models(loop: LoopDep, caller: CallerDep) -> ModelsOut:
    """Registered model versions; `promoted` is the champion, `serving` the one answering now."""
    return loop.list_models(caller)


@router.post("/admin/models/rollback")
def rollback(loop: LoopDep, caller: CallerDep) -> ServingOut:
    """Return to the previous champion."""
    return loop.rollback(caller)


@router.post("/admin/models/{version}/promote")
def promote(loop: LoopDep, caller: CallerDep, version: str) -> ServingOut:
    """Promote a registered version; a damaged one is refused (409) and the champion stays."""
    return loop.promote(caller, version)


@router.post("/admin/retrain", status_code=202)
def retrain(loop: LoopDep, caller: CallerDep, data: UploadFile | None = None) -> JobOut:
    """Start a retraining job; `data` optionally uploads a JSONL file of labelled briefs to add."""
    return loop.start_retrain(caller, data.file.read() if data is not None else None)


@router.get("/admin/jobs/{job_id}")
def job(loop: LoopDep, caller: CallerDep, job_id: str) -> JobOut:
    """A background job's status, progress messages and result."""
    return loop.job(caller, job_id)


@router.get("/admin/reports")
def reports(loop: LoopDep, caller: CallerDep) -> list[ReportOut]:
    """Evaluation reports, newest first."""
    return loop.list_reports(caller)


@router.get("/admin/reports/{name}/{file}", response_model=None)
def report_file(loop: LoopDep, caller: CallerDep, name: str, file: str) -> FileResponse:
    """A report's page, plot or metrics file."""
    return FileResponse(loop.report_file(caller, name, file))
