"""The learning loop in the service: the registry's models, retraining jobs, reports, uncertain briefs.

Roles are enforced here, as in `api.services`: model administration is for admins only;
the uncertain-items view is for editors (and admins).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

from api.errors import Conflict, Forbidden, NotFound, ServiceError
from api.services import OPEN_STATUSES, Caller, ReviewService
from api.services.rows import summary
from api.settings import ROOT, Settings
from models import load_model
from models.bundle import default_model_dir
from models.registry import ChampionHolder, ModelRegistry, StaticHolder
from review import clock
from review.brief import CATEGORIES
from review.engine import columns
from review.errors import BriefError, ModelError
from review.readers import load_briefs
from storage.db import transaction
from storage.queries import as_brief, latest_versions
from storage.tables import AuditEntry, BriefRow, Decision
from training.retrain import retrain, retrain_due
from training.snapshot import build_snapshot

log = logging.getLogger("brief_review.learning")
REPORT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")
REPORT_FILE = re.compile(r"^[A-Za-z0-9_-]{1,80}\.(html|png|svg|json)$")


def serving_models(settings: Settings):
    """What the service serves: a pinned directory ($BRIEFS_MODEL_DIR), else the registry's champion.

    An empty registry first registers the default model (`make model`) as v1 and promotes it.
    """
    if settings.model_dir is not None:
        return StaticHolder(load_model(settings.model_dir))
    registry = ModelRegistry(settings.model_root)
    if registry.champion() is None:
        registry.ensure_initial(default_model_dir())
    return ChampionHolder(registry)


def resolve(path: str) -> Path:
    """A configured path: absolute, or relative to the repository root."""
    p = Path(path)
    return p if p.is_absolute() else ROOT / p


@dataclass
class Job:
    """A background job (a retraining) with its progress messages.

    Kept in memory by the process running it and written to `path` (JSON, replaced
    atomically) at each change, so any worker process of the service can show it."""

    id: str
    kind: str
    status: str = "queued"  # queued | running | done | failed
    created_at: str = field(default_factory=lambda: clock.now().isoformat(timespec="seconds"))
    finished_at: str | None = None
    progress: list[dict] = field(default_factory=list)
    result: dict | None = None
    error: dict | None = None
    path: Path | None = None

    def say(self, message: str) -> None:
        """Record a progress message."""
        self.progress.append({"at": clock.now().isoformat(timespec="seconds"), "message": message})
        self.save()

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        part = self.path.with_suffix(".part")
        part.write_text(json.dumps(self.to_dict(), ensure_ascii=False), encoding="utf-8")
        os.replace(part, self.path)

    def to_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "status": self.status, "created_at": self.created_at,
                "finished_at": self.finished_at, "step": self.progress[-1]["message"] if self.progress else None,
                "progress": list(self.progress), "result": self.result, "error": self.error}


class RetrainLock:
    """One retraining at a time across every process using the registry (the service's
    workers, `briefs retrain`): an exclusive lock on a file of the registry, held while it runs."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file releases the lock
            self._fd = None


def _admin(caller: Caller) -> None:
    if caller.role != "admin":
        raise Forbidden("只有管理员可以管理模型", code="forbidden")


class LearningLoop:
    """Registry administration, retraining jobs, reports and the uncertain-items view of one service."""

    def __init__(self, service: ReviewService) -> None:
        self.service = service
        self._jobs: dict[str, Job] = {}
        self._stop = threading.Event()
        self._scheduler: threading.Thread | None = None

    @property
    def registry(self) -> ModelRegistry:
        registry = getattr(self.service.models, "registry", None)
        if registry is None:
            raise Conflict("服务固定使用 BRIEFS_MODEL_DIR 指定的模型,未启用模型库", code="registry_disabled")
        return registry

    @property
    def rules(self):
        return self.service.config.section("retrain")

    # --- models -------------------------------------------------------------------------------

    def list_models(self, caller: Caller) -> dict:
        """Registered versions, the promoted one, the one serving, and a refused champion if any."""
        _admin(caller)
        registry = self.registry
        return {"promoted": registry.champion(), "serving": self.service.model.version,
                "refused": self.service.models.refused, "versions": registry.list(), "runs": registry.runs()[-20:]}

    def promote(self, caller: Caller, version: str) -> dict:
        """Promote a version (verified first; a damaged one is refused and nothing changes)."""
        _admin(caller)
        try:
            previous = self.registry.promote(version)
        except ModelError as exc:
            raise _model_error(exc) from None
        self.service.models.refresh()
        self._audit(caller, "model_promote", version, {"previous": previous})
        return {"promoted": version, "previous": previous, "serving": self.service.model.version}

    def rollback(self, caller: Caller) -> dict:
        """Go back to the previous champion."""
        _admin(caller)
        try:
            previous = self.registry.champion()
            version = self.registry.rollback()
        except ModelError as exc:
            raise _model_error(exc) from None
        self.service.models.refresh()
        self._audit(caller, "model_rollback", version, {"rolled_back": previous})
        return {"promoted": version, "serving": self.service.model.version}

    # --- retraining ---------------------------------------------------------------------------

    def start_retrain(self, caller: Caller | None, data: bytes | None = None) -> dict:
        """Start a retraining in the background; returns the job (poll `job`). One at a time."""
        if caller is not None:
            _admin(caller)
        registry = self.registry
        busy = RetrainLock(registry.root / "retrain.lock")
        if not busy.acquire():
            raise Conflict("已有重新训练任务在运行,请等待其完成", code="retrain_running")
        try:
            job = Job(id=uuid.uuid4().hex[:12], kind="retrain")
            job.path = self._jobs_dir() / f"{job.id}.json"
            job.save()
            self._jobs[job.id] = job
            while len(self._jobs) > 50:
                self._jobs.pop(next(iter(self._jobs)))
            for old in sorted(self._jobs_dir().glob("*.json"), key=lambda p: p.stat().st_mtime)[:-50]:
                old.unlink(missing_ok=True)
            data_path = None
            if data:
                handle = tempfile.NamedTemporaryFile(prefix="retrain-", suffix=".jsonl", delete=False)
                handle.write(data)
                handle.close()
                data_path = Path(handle.name)
            self._audit(caller, "retrain", job.id, {"data": bool(data), "scheduled": caller is None})
            threading.Thread(target=self._run, args=(job, registry, data_path, busy), daemon=True,
                             name=f"retrain-{job.id}").start()
        except BaseException:
            busy.release()  # a job that did not start leaves no lock behind
            raise
        return job.to_dict()

    def _jobs_dir(self) -> Path:
        return self.registry.root / "jobs"

    def _run(self, job: Job, registry: ModelRegistry, data_path: Path | None, busy: RetrainLock) -> None:
        job.status = "running"
        try:
            job.say("导出训练数据快照")
            heldout_path = resolve(self.rules["heldout"])
            snapshot = build_snapshot(config=self.service.config, engine=self.service.engine,
                                      samples=resolve(self.rules["samples"]), data=data_path, heldout=heldout_path)
            result = retrain(registry, snapshot, load_briefs(heldout_path), config=self.service.config,
                             progress=job.say, reports_dir=registry.root / "reports")
            self.service.models.refresh()
            job.result = result.to_dict()
            self._audit(None, "retrain_finish", result.version,
                        {"job": job.id, "promoted": result.promoted, "champion": result.champion})
            job.say(f"训练完成:{result.version} 已上线" if result.promoted
                    else f"训练完成:{result.version} 未上线,{result.reason}")
            job.status = "done"
        except BriefError as exc:
            job.error, job.status = {"code": exc.code, "message": str(exc)}, "failed"
        except Exception:  # a job must end in a state the admin can read, never silently
            log.exception("retraining failed")
            job.error, job.status = {"code": "internal_error", "message": "重新训练失败,详见服务日志"}, "failed"
        finally:
            job.finished_at = clock.now().isoformat(timespec="seconds")
            try:
                job.save()
            finally:
                if data_path is not None:
                    data_path.unlink(missing_ok=True)
                busy.release()

    def job(self, caller: Caller, job_id: str) -> dict:
        """A job's status and progress."""
        _admin(caller)
        job = self._jobs.get(job_id)
        if job is not None:
            return job.to_dict()
        path = self._jobs_dir() / f"{job_id}.json"
        if not re.fullmatch(r"[0-9a-f]{12}", job_id) or not path.is_file():
            raise NotFound("任务不存在", code="not_found")
        return json.loads(path.read_text(encoding="utf-8"))  # a job run by another worker process

    # --- scheduled retraining -----------------------------------------------------------------

    def new_decisions_since(self, since: datetime | None) -> int:
        """Editor decisions recorded after `since` (all when None)."""
        with self.service.sessions() as session:
            query = select(func.count()).select_from(Decision).where(Decision.editor_id.is_not(None))
            if since is not None:
                query = query.where(Decision.created_at > since)
            return int(session.scalar(query))

    def last_run_at(self) -> datetime | None:
        """When the last retraining finished, else when the champion was registered."""
        registry = self.registry
        runs = registry.runs()
        if runs:
            return datetime.fromisoformat(runs[-1]["finished_at"])
        champion = registry.champion()
        stamp = registry.meta(champion).get("registered_at") if champion else None
        return datetime.fromisoformat(stamp) if stamp else None

    def scheduled_check(self, now: datetime | None = None) -> dict:
        """The nightly check: retrain when due (`training.retrain.retrain_due`)."""
        now = now or clock.now()
        last = self.last_run_at()
        due, reason = retrain_due(now, config=self.service.config, last_run_at=last,
                                  new_decisions=self.new_decisions_since(last))
        if not due:
            return {"started": False, "reason": reason}
        try:
            job = self.start_retrain(None)
        except Conflict as exc:
            return {"started": False, "reason": str(exc)}
        return {"started": True, "reason": reason, "job": job["id"]}

    def start_scheduler(self, interval_seconds: float = 300.0) -> None:
        """Check every few minutes in a daemon thread, when retrain.schedule_enabled is on."""
        if not self.rules["schedule_enabled"] or self._scheduler is not None:
            return

        def loop():
            while not self._stop.wait(interval_seconds):
                try:
                    result = self.scheduled_check()
                    if result["started"]:
                        log.info("scheduled retraining started: %s", result["reason"])
                except Exception:
                    log.exception("scheduled retraining check failed")

        self._scheduler = threading.Thread(target=loop, daemon=True, name="retrain-scheduler")
        self._scheduler.start()

    def stop(self) -> None:
        """Stop the scheduler thread."""
        self._stop.set()

    # --- reports ------------------------------------------------------------------------------

    def reports_root(self) -> Path:
        return self.registry.root / "reports"

    def list_reports(self, caller: Caller) -> list[dict]:
        """Report directories, newest first, with the address of each page."""
        _admin(caller)
        root = self.reports_root()
        if not root.is_dir():
            return []
        found = [p for p in root.iterdir() if p.is_dir() and REPORT_NAME.match(p.name) and (p / "index.html").is_file()]
        found.sort(key=lambda p: (p / "index.html").stat().st_mtime, reverse=True)
        return [{"name": p.name, "url": f"/api/v1/admin/reports/{p.name}/index.html",
                 "created_at": clock.from_timestamp((p / "index.html").stat().st_mtime)
                 .isoformat(timespec="seconds")} for p in found]

    def report_file(self, caller: Caller, name: str, file: str) -> Path:
        """One file of a report (its page, plots or metrics), only from the reports folder."""
        _admin(caller)
        if not REPORT_NAME.match(name) or not REPORT_FILE.match(file):
            raise NotFound("报告不存在", code="not_found")
        root = self.reports_root().resolve()
        path = (root / name / file).resolve()
        if path.parent.parent != root or not path.is_file():
            raise NotFound("报告不存在", code="not_found")
        return path

    # --- uncertain items ----------------------------------------------------------------------

    def uncertain(self, caller: Caller, *, limit: int = 20, scan: int = 2000) -> dict:
        """Open briefs the serving model is least sure about: smallest margin between its top two
        categories (the newest `scan` open briefs are scored with the model serving now)."""
        if caller.role not in ("editor", "admin"):
            raise Forbidden("只有编辑可以查看待确认类别的信息", code="forbidden")
        model = self.service.model
        with self.service.sessions() as session:
            pairs = latest_versions(session, BriefRow.status.in_(OPEN_STATUSES))
            pairs.sort(key=lambda p: p[0].submitted_at, reverse=True)
            pairs = pairs[:scan]
            items = [summary(row, version) for row, version in pairs]
            briefs = [as_brief(row, version) for row, version in pairs]
        if not briefs:
            return {"model_version": model.version, "total_open": 0, "items": []}
        probs, _ = model.predict_proba(columns(briefs))
        order = np.argsort(-probs, axis=1)
        top, second = order[:, 0], order[:, 1]
        rows = np.arange(len(briefs))
        margins = probs[rows, top] - probs[rows, second]
        out = []
        for i in np.argsort(margins, kind="stable")[:limit]:
            item = dict(items[i])
            item["margin"] = round(float(margins[i]), 4)
            item["candidates"] = [{"category": CATEGORIES[j], "probability": round(float(probs[i, j]), 4)}
                                  for j in (top[i], second[i])]
            out.append(item)
        return {"model_version": model.version, "total_open": len(briefs), "items": out}

    def _audit(self, caller: Caller | None, action: str, target: str, detail: dict) -> None:
        """Record a change; `caller` None is the service itself (a scheduled or finished job)."""
        with transaction(self.service.sessions) as session:
            session.add(AuditEntry(user_id=caller and caller.id, action=action, target=target, detail=detail,
                                   created_at=clock.now()))


def _model_error(exc: ModelError) -> ServiceError:
    status = 404 if exc.code in ("version_not_found", "invalid_version") else 409
    return ServiceError(str(exc), code=exc.code, status=status)


def learning_loop(service: ReviewService) -> LearningLoop:
    """The service's learning loop, created on first use."""
    loop = getattr(service, "learning", None)
    if loop is None:
        loop = service.learning = LearningLoop(service)
    return loop
