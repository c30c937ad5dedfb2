"""Retraining with a champion / challenger rule.

    snapshot    = build_snapshot(...)                    # samples + decided briefs (+ --data)
    train, test = time_split(snapshot, after=champion's training data)
    challenger  = train_model(train)                     # registered as the next version
    both models are evaluated on `test` (the newest briefs, none of which either model
    trained on) and on the fixed hand-labelled held-out set; the challenger is promoted
    only if neither its category macro-F1 nor its adoption AUC is worse than the
    champion's beyond the configured tolerance, on either set.

The challenger registered is the very model that was evaluated, so what is promoted is
what was measured. The briefs of the test part enter a model at a later retraining, once
newer ones have taken their place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Sequence

from models.registry import ModelRegistry
from review import clock
from review.brief import Brief
from review.config import ReviewConfig
from training.evaluate import ModelEvaluation, evaluate_model_detail
from training.snapshot import Snapshot, time_split
from training.train import data_hash, train_model

GATED = (("macro_f1", "类别 macro-F1"), ("adoption_auc", "采用 AUC"))
SPLITS = (("time", "时间切分测试集"), ("heldout", "固定留出集"))


@dataclass
class RetrainResult:
    """What one retraining did: the challenger, the decision, the numbers behind it."""

    version: str
    champion: str | None
    promoted: bool
    reason: str
    comparison: dict
    snapshot: dict
    evaluations: dict = field(default_factory=dict, repr=False)
    report: Path | None = None
    backend: str = "linear"
    sizes: dict = field(default_factory=dict)  # train, time_test, heldout: briefs in each part
    tolerance: float | None = None

    def to_dict(self) -> dict:
        """JSON-ready summary (for the API and runs.jsonl)."""
        return {"version": self.version, "champion": self.champion, "promoted": self.promoted,
                "reason": self.reason, "comparison": self.comparison, "snapshot": self.snapshot,
                "backend": self.backend, "sizes": self.sizes, "tolerance": self.tolerance,
                "report": self.report.name if self.report else None}


def compact(metrics: dict) -> dict:
    """The numbers the rule and the registry listing use."""
    return {"n": int(sum(sum(row) for row in metrics["full"]["confusion"])),
            "macro_f1": round(metrics["full"]["macro_f1"], 4),
            "accepted_accuracy": round(metrics["full"]["accepted_accuracy"], 4),
            "adoption_auc": None if math.isnan(metrics["adoption_auc"]) else round(metrics["adoption_auc"], 4)}


def decide(champion: dict, challenger: dict, tolerance: float) -> tuple[bool, str]:
    """Apply the rule to compact metrics by split; (promote?, reason in Chinese).

    The reason names only the test sets both models were evaluated on."""
    worse = []
    evaluated = [name for split, name in SPLITS if champion.get(split) and challenger.get(split)]
    for split, split_name in SPLITS:
        for key, name in GATED:
            old, new = champion.get(split, {}).get(key), challenger.get(split, {}).get(key)
            if old is None or new is None:
                continue  # e.g. no adopted brief in the test part: AUC undefined for both
            if new < old - tolerance:
                worse.append(f"{split_name}{name} {new:.3f} 低于当前模型 {old:.3f},差 {old - new:.3f},超过容差 {tolerance:g}")
    if worse:
        return False, ";".join(worse)
    if not evaluated:
        return False, "没有可用的测试集,无法比较挑战者与当前模型"
    return True, (f"在{'和'.join(evaluated)}上,挑战者的类别 macro-F1 和采用 AUC 都没有比当前模型"
                  f"低出容差 {tolerance:g} 以上")


def retrain(registry: ModelRegistry, snapshot: Snapshot, heldout: Sequence[Brief], *, config: ReviewConfig,
            progress: Callable[[str], None] | None = None, reports_dir: str | Path | None = None,
            seed: int = 0) -> RetrainResult:
    """Train a challenger on the snapshot, evaluate it against the champion, promote or keep it."""
    say = progress or (lambda _m: None)
    rules = config.section("retrain")
    champion_version = registry.champion()
    champion = registry.load_champion()
    until = champion.meta.get("trained_until")
    if not until:
        say(f"注意:当前模型 {champion_version} 未记录训练数据截止时间,时间切分测试集可能含有它训练过的信息")
    train, test = time_split(snapshot.briefs, float(rules["test_share"]),
                             after=datetime.fromisoformat(until) if until else None,
                             min_test=int(rules["min_time_test"]))
    say(f"快照 {snapshot.hash[:12]}:{len(snapshot.briefs)} 条(训练 {len(train)},时间测试 {len(test)},"
        f"留出 {len(heldout)})")
    weight = float(rules["decision_weight"])
    weights = snapshot.weights(weight)
    say(f"编辑决定与补充标注 {sum(1 for b in train if b.id in weights)} 条,每条按 {weight:g} 条样本计")
    model = train_model(train, config=config, seed=seed, progress=say, parent=champion_version, weights=weights)
    evaluations: dict[str, dict[str, ModelEvaluation]] = {}
    comparison: dict[str, dict] = {"champion": {}, "challenger": {}}
    for split, split_name in SPLITS:
        briefs = test if split == "time" else list(heldout)
        if not briefs:
            continue
        for role, m in (("champion", champion), ("challenger", model)):
            say(f"评估{'当前模型' if role == 'champion' else '挑战者'}:{split_name}({len(briefs)} 条)")
            ev = evaluate_model_detail(m, briefs, config=config,
                                       name=f"{'当前模型' if role == 'champion' else '挑战者'},{split_name}")
            evaluations.setdefault(split, {})[role] = ev
            comparison[role][split] = compact(ev.metrics)
    tolerance = float(rules["tolerance"])
    promoted, reason = decide(comparison["champion"], comparison["challenger"], tolerance)
    if not test:
        reason += (f"(快照中当前模型未见过的新信息不足 {int(rules['min_time_test'])} 条,"
                   "本次未做时间切分测试,只按固定留出集判断)")
    sizes = {"train": len(train), "time_test": len(test), "heldout": len(heldout)}
    decision = {"promoted": promoted, "reason": reason, "champion": champion_version, "tolerance": tolerance,
                "champion_metrics": comparison["champion"]}
    version = registry.register(model, parent=champion_version, extra={
        "metrics": comparison["challenger"], "decision": decision, "snapshot_hash": snapshot.hash,
        "snapshot": snapshot.summary(), "test_data_hash": data_hash(test),
        "time_test_size": len(test)})
    snapshot.write(registry.root / "snapshots")
    if promoted:
        registry.promote(version)
        say(f"已上线 {version}")
    result = RetrainResult(version=version, champion=champion_version, promoted=promoted, reason=reason,
                           comparison=comparison, snapshot=snapshot.summary(), evaluations=evaluations,
                           backend=model.meta.get("backend", "linear"), sizes=sizes, tolerance=tolerance)
    if reports_dir is not None:
        from training.report import write_retrain_report

        say("生成评估报告")
        result.report = write_retrain_report(Path(reports_dir), result, snapshot.briefs)
    registry.record_run({"finished_at": clock.now().isoformat(timespec="seconds"), **result.to_dict()})
    return result


def retrain_due(now: datetime, *, config: ReviewConfig, last_run_at: datetime | None,
                new_decisions: int) -> tuple[bool, str]:
    """Whether the scheduled check at `now` should retrain, and why (not)."""
    rules = config.section("retrain")
    if not rules["schedule_enabled"]:
        return False, "定时重训未开启(retrain.schedule_enabled)"
    now = now.astimezone(clock.office_zone())
    if now.hour != int(rules["schedule_hour"]):
        return False, f"未到每日 {int(rules['schedule_hour'])} 时"
    if last_run_at is not None and last_run_at.astimezone(clock.office_zone()).date() >= now.date():
        return False, "今天已经重训过"
    needed = int(rules["min_new_decisions"])
    if new_decisions < needed:
        return False, f"新增编辑决定 {new_decisions} 条,不足 {needed} 条"
    return True, f"新增编辑决定 {new_decisions} 条"
