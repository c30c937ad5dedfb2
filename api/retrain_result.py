"""A retraining job's result as the administrator reads it: plain Chinese, figures side by side.

`training.retrain.RetrainResult.to_dict()` is what the job stores (and the API returns);
this turns it into rows for `job.html`: what was trained, on how much data by source, the
champion's and the challenger's figures on each test set, and the decision with its reason.
"""

from __future__ import annotations

import json

BACKEND_NAMES_ZH = {"linear": "线性模型(字词特征 + 逻辑回归)", "transformer": "Transformer 文本分类模型"}
SOURCE_NAMES_ZH = {"samples": "手工标注样本", "database": "编辑审核决定(系统中已审核的信息)",
                   "samples+database": "手工标注样本(经编辑决定更新)", "data": "本次上传的标注数据"}
SPLIT_NAMES_ZH = {"time": "时间切分测试集", "heldout": "固定留出集"}
SKIPPED_ZH = {"time": "本次未做时间切分测试:快照中当前模型未见过的新信息太少,只按固定留出集判断",
              "heldout": "本次未在固定留出集上测试:没有可用的留出集"}
METRIC_NAMES_ZH = (("macro_f1", "类别 macro-F1", True), ("adoption_auc", "采用 AUC", True),
                   ("accepted_accuracy", "可接受准确率", False))


def _number(value) -> str:
    return "—" if value is None else f"{value:.3f}"


def describe_result(result: dict) -> dict:
    """The view of one retraining result (`RetrainResult.to_dict()`), every label in Chinese.

    Returns `model` (kind and versions), `data` (rows of source and count), `metrics` (rows of
    test set, metric, champion, challenger, difference, whether the rule gates it), `skipped`
    (test sets not evaluated, with why), `decision` (上线 / 未上线), `reason` and `raw` (the
    result as indented JSON with the Chinese left readable).
    """
    snapshot = result.get("snapshot") or {}
    sizes = result.get("sizes") or {}
    sources = snapshot.get("sources") or {}
    data = [{"name": SOURCE_NAMES_ZH.get(key, key), "count": count} for key, count in sources.items()]
    data.append({"name": "合计(训练数据快照)", "count": snapshot.get("size", sum(sources.values()))})
    notes = []
    if snapshot.get("corrected"):
        notes.append(f"其中 {snapshot['corrected']} 条的类别经编辑更正")
    if snapshot.get("excluded_heldout"):
        notes.append(f"{snapshot['excluded_heldout']} 条属于固定留出集,未用于训练")
    if sizes:
        notes.append(f"用于训练 {sizes.get('train', 0)} 条,时间切分测试 {sizes.get('time_test', 0)} 条,"
                     f"固定留出集 {sizes.get('heldout', 0)} 条")
    comparison = result.get("comparison") or {}
    champion, challenger = comparison.get("champion") or {}, comparison.get("challenger") or {}
    metrics, skipped = [], []
    for split, split_name in SPLIT_NAMES_ZH.items():
        old, new = champion.get(split), challenger.get(split)
        if not old or not new:
            skipped.append(SKIPPED_ZH[split])
            continue
        for key, name, gated in METRIC_NAMES_ZH:
            a, b = old.get(key), new.get(key)
            diff = None if a is None or b is None else b - a
            metrics.append({"split": split_name, "n": new.get("n"), "metric": name, "champion": _number(a),
                            "challenger": _number(b), "gated": gated,
                            "diff": "—" if diff is None else f"{diff:+.3f}",
                            "better": None if diff is None else diff >= 0})
    promoted = bool(result.get("promoted"))
    return {
        "model": {"kind": BACKEND_NAMES_ZH.get(result.get("backend") or "linear", result.get("backend")),
                  "version": result.get("version"), "champion": result.get("champion")},
        "data": data, "notes": notes, "metrics": metrics, "skipped": skipped,
        "tolerance": result.get("tolerance"),
        "decision": "上线" if promoted else "未上线", "promoted": promoted,
        "reason": result.get("reason", ""), "report": result.get("report"),
        "raw": json.dumps(result, ensure_ascii=False, indent=2),
    }
