"""The evaluation report: one self-contained HTML page and its SVG plots in one directory.

Plots (matplotlib, drawn as SVG, no display needed):
- confusion matrix of the primary category, per-class precision / recall / F1,
- reliability (calibration) curve of the adoption probability,
- precision@k of the ranked queue: the share of its top k that were adopted,
- category mix and adoption rate by month and by unit,
- champion vs challenger, when a retraining is reported.

The page references its plots by relative name and loads nothing from elsewhere (no
scripts, fonts or styles from the network), so it opens from a file or from the
service as it is. Plot labels are Chinese, with the real unit names. The SVG keeps its
text as <text> (`svg.fonttype = "none"`) naming common CJK fonts, so the reader's
browser draws the characters with its own fonts: the machine that writes the report
needs no CJK font (matplotlib only measures the text, with any font it has).
"""

from __future__ import annotations

import functools
import html
import json
import logging
import math
import os
import uuid
import warnings
from collections import Counter, defaultdict
from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from review import clock  # noqa: E402
from review.brief import CATEGORIES, CATEGORY_NAMES_ZH, Brief  # noqa: E402
from training.evaluate import ModelEvaluation  # noqa: E402

COLORS = {"routine": "#9e9e9e", "experience": "#4caf50", "problem": "#e53935", "proposal": "#1e88e5",
          "trend": "#fb8c00"}
MAX_UNITS = 15
# The fonts the browser is asked for, in order; matplotlib measures with the first it has.
CJK_FONTS = ["Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei",
             "SimHei", "DejaVu Sans"]
PLOT_STYLE = {"svg.fonttype": "none", "font.family": "sans-serif", "font.sans-serif": CJK_FONTS,
              "axes.unicode_minus": False, "svg.hashsalt": "brief-review"}
SPLIT_NAMES = {"time": "时间切分测试集", "heldout": "固定留出集"}
METRIC_NAMES = {"macro_f1": "类别 macro-F1", "adoption_auc": "采用 AUC", "accepted_accuracy": "可接受准确率"}


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _styled(plot):
    """Run a plot function under the report's style: Chinese text kept as SVG text.

    Without a CJK font here matplotlib warns of missing glyphs while it measures the
    labels: the browser, not matplotlib, draws them, so the warnings are silenced.
    """
    @functools.wraps(plot)
    def styled(*args, **kwargs):
        font_log = logging.getLogger("matplotlib.font_manager")
        level = font_log.level
        font_log.setLevel(logging.ERROR)
        try:
            with matplotlib.rc_context(PLOT_STYLE), warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from")
                return plot(*args, **kwargs)
        finally:
            font_log.setLevel(level)
    return styled


def _save(fig, directory: Path, name: str) -> str:
    tmp = directory / f".{name}.{uuid.uuid4().hex}.svg"
    try:
        fig.savefig(tmp, format="svg", bbox_inches="tight", metadata={"Date": None})
    finally:
        plt.close(fig)
    os.replace(tmp, directory / name)
    return name


@_styled
def plot_confusion(ev: ModelEvaluation, directory: Path, name: str = "confusion.svg") -> str:
    """Confusion matrix, rows the labelled primary category, columns the predicted one."""
    cm = np.array(ev.metrics["full"]["confusion"])
    names = [CATEGORY_NAMES_ZH[c] for c in CATEGORIES]
    fig, ax = plt.subplots(figsize=(5.2, 4.4))
    ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(len(CATEGORIES)), names)
    ax.set_yticks(range(len(CATEGORIES)), names)
    ax.set_xlabel("模型判断的类别")
    ax.set_ylabel("标注的类别")
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            ax.text(j, i, str(cm[i, j]), ha="center", va="center",
                    color="white" if cm[i, j] > cm.max() / 2 else "black")
    ax.set_title(f"混淆矩阵({cm.sum()} 条)")
    return _save(fig, directory, name)


@_styled
def plot_per_class(ev: ModelEvaluation, directory: Path, name: str = "per_class.svg") -> str:
    """Precision, recall and F1 of each category."""
    per = ev.metrics["full"]["per_class"]
    x = np.arange(len(CATEGORIES))
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for k, (key, label, color) in enumerate((("precision", "精确率", "#5c6bc0"), ("recall", "召回率", "#26a69a"),
                                             ("f1", "F1", "#ffa726"))):
        ax.bar(x + (k - 1) * 0.26, [per[c][key] for c in CATEGORIES], 0.26, label=label, color=color)
    ax.set_xticks(x, [CATEGORY_NAMES_ZH[c] for c in CATEGORIES])
    ax.set_ylim(0, 1.05)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(f"各类别精确率、召回率、F1(macro-F1 {ev.metrics['full']['macro_f1']:.3f})")
    return _save(fig, directory, name)


def reliability(probs: np.ndarray, outcomes: np.ndarray, bins: int = 8) -> list[dict]:
    """Mean predicted probability vs observed rate in equal-width bins (empty bins left out)."""
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(probs, edges[1:-1]), 0, bins - 1)
    return [{"predicted": float(probs[idx == b].mean()), "observed": float(outcomes[idx == b].mean()),
             "n": int((idx == b).sum())} for b in range(bins) if (idx == b).any()]


def _known(ev: ModelEvaluation) -> tuple[np.ndarray, np.ndarray]:
    mask = np.array([b.labels.adoption is not None for b in ev.briefs], dtype=bool)
    adopted = np.array([bool(b.labels.adoption and b.labels.adoption.adopted) for b in ev.briefs])
    return ev.pred.adoption[mask], adopted[mask].astype(float)


@_styled
def plot_reliability(ev: ModelEvaluation, directory: Path, name: str = "reliability.svg") -> str:
    """Reliability curve of the adoption probability, with how many briefs fall in each bin."""
    probs, adopted = _known(ev)
    points = reliability(probs, adopted)
    fig, (ax, hist) = plt.subplots(2, 1, figsize=(5.2, 5.2), height_ratios=(3, 1), sharex=True)
    ax.plot([0, 1], [0, 1], "--", color="#999", label="完全校准")
    ax.plot([p["predicted"] for p in points], [p["observed"] for p in points], "o-", color="#e53935",
            label="模型")
    ax.set_ylabel("实际采用比例")
    ax.set_ylim(-0.02, 1.02)
    brier = float(np.mean((probs - adopted) ** 2)) if len(probs) else float("nan")
    ax.set_title(f"采用概率的可靠性(Brier 分数 {brier:.3f})")
    ax.legend(loc="upper left", fontsize=8)
    hist.hist(probs, bins=np.linspace(0, 1, 17), color="#90a4ae")
    hist.set_xlabel("模型给出的采用概率")
    hist.set_ylabel("条数")
    return _save(fig, directory, name)


@_styled
def plot_precision_at_k(ev: ModelEvaluation, directory: Path, name: str = "precision_at_k.svg") -> str:
    """Share adopted among the top k of the ranked queue, for every k, against the base rate."""
    adopted = ev.queue_adopted.astype(float)
    ks = np.arange(1, len(adopted) + 1)
    fig, ax = plt.subplots(figsize=(6.0, 3.6))
    if len(adopted):
        ax.plot(ks, np.cumsum(adopted) / ks, color="#1e88e5", label="按模型排序的预审队列")
        ax.axhline(adopted.mean(), color="#999", linestyle="--", label=f"总体采用率 {adopted.mean():.2f}")
    ax.set_xlabel("队列前 k 条")
    ax.set_ylabel("前 k 条中被采用的比例")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8)
    ax.set_title("预审队列 precision@k")
    return _save(fig, directory, name)


def _mix(briefs: Sequence[Brief], key) -> tuple[list[str], dict[str, Counter], dict[str, tuple[int, int]]]:
    cats: dict[str, Counter] = defaultdict(Counter)
    adoption: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for b in briefs:
        k = key(b)
        cats[k][b.labels.category] += 1
        if b.labels.adoption is not None:
            adoption[k][0] += b.labels.adoption.adopted
            adoption[k][1] += 1
    return list(cats), cats, {k: tuple(v) for k, v in adoption.items()}


def _plot_mix(groups: list[str], cats: dict[str, Counter], adoption: dict, labels: list[str], title: str,
              directory: Path, name: str) -> str:
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(max(6.0, 0.42 * len(groups) + 2), 5.6), sharex=True,
                                      height_ratios=(3, 2))
    x = np.arange(len(groups))
    base = np.zeros(len(groups))
    totals = np.array([sum(cats[g].values()) for g in groups], dtype=float)
    for c in CATEGORIES:
        share = np.array([cats[g][c] for g in groups]) / np.maximum(totals, 1)
        top.bar(x, share, bottom=base, color=COLORS[c], label=CATEGORY_NAMES_ZH[c])
        base += share
    top.set_ylabel("类别占比")
    top.set_title(title, pad=28)
    top.legend(fontsize=8, ncol=5, loc="lower center", bbox_to_anchor=(0.5, 1.02))
    rates = [adoption[g][0] / adoption[g][1] if adoption.get(g, (0, 0))[1] else np.nan for g in groups]
    bottom.bar(x, rates, color="#7e57c2")
    bottom.set_ylabel("采用率")
    bottom.set_ylim(0, 1)
    bottom.set_xticks(x, labels, rotation=60, ha="right", rotation_mode="anchor", fontsize=8)
    return _save(fig, directory, name)


@_styled
def plot_by_month(briefs: Sequence[Brief], directory: Path, name: str = "by_month.svg") -> tuple[str, list]:
    """Category mix and adoption rate by month of submission; returns the plot and its rows."""
    groups, cats, adoption = _mix(briefs, lambda b: f"{b.submitted_at.astimezone(clock.office_zone()):%Y-%m}")
    groups = sorted(groups)
    rows = [{"group": g, "n": sum(cats[g].values()), "adopted": adoption.get(g, (0, 0))[0],
             "known": adoption.get(g, (0, 0))[1]} for g in groups]
    labels = [f"{g[:4]}年{int(g[5:])}月" for g in groups]
    return _plot_mix(groups, cats, adoption, labels, "各月类别构成与采用率", directory, name), rows


@_styled
def plot_by_unit(briefs: Sequence[Brief], directory: Path, name: str = "by_unit.svg") -> tuple[str, list]:
    """The same for the units with most briefs, named on the axis."""
    groups, cats, adoption = _mix(briefs, lambda b: b.unit)
    groups = sorted(groups, key=lambda g: (-sum(cats[g].values()), g))[:MAX_UNITS]
    rows = [{"group": g, "n": sum(cats[g].values()), "adopted": adoption.get(g, (0, 0))[0],
             "known": adoption.get(g, (0, 0))[1]} for g in groups]
    return _plot_mix(groups, cats, adoption, groups, f"各单位类别构成与采用率(信息最多的 {len(groups)} 个单位)",
                     directory, name), rows


def evaluated_splits(comparison: dict) -> list[str]:
    """The test sets both models were evaluated on, in report order."""
    return [split for split in SPLIT_NAMES
            if comparison["champion"].get(split) and comparison["challenger"].get(split)]


@_styled
def plot_comparison(comparison: dict, directory: Path, name: str = "comparison.svg") -> str:
    """Champion vs challenger: macro-F1 and adoption AUC on each test set they were evaluated on."""
    labels, champ, chall = [], [], []
    for split in evaluated_splits(comparison):
        for key in ("macro_f1", "adoption_auc"):
            a = comparison["champion"][split].get(key)
            b = comparison["challenger"][split].get(key)
            labels.append(f"{SPLIT_NAMES[split]}\n{METRIC_NAMES[key]}")
            champ.append(np.nan if a is None else a)
            chall.append(np.nan if b is None else b)
    x = np.arange(len(labels))
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    ax.bar(x - 0.2, champ, 0.4, label="当前模型", color="#90a4ae")
    ax.bar(x + 0.2, chall, 0.4, label="挑战者(新模型)", color="#ef6c00")
    for xs, vals in ((x - 0.2, champ), (x + 0.2, chall)):
        for xi, v in zip(xs, vals):
            if not math.isnan(v):
                ax.text(xi, v + 0.01, f"{v:.3f}", ha="center", fontsize=7)
    ax.set_xticks(x, labels, fontsize=8)
    ax.set_ylim(0, 1.1)
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title("当前模型与挑战者")
    return _save(fig, directory, name)


# --- the page --------------------------------------------------------------------------------

STYLE = """body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif;max-width:980px;margin:2em auto;
padding:0 1em;color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;
padding:.25em .6em;text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
img{max-width:100%;border:1px solid #eee;margin:.5em 0}.ok{color:#2e7d32}.no{color:#c62828}
figure{margin:1em 0}figcaption{color:#555;font-size:.9em}.note{color:#555}"""
# The service's model administration page (the report is served under /admin/reports/).
BACK = "/admin#models"


def _fmt(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.3f}" if isinstance(value, float) else html.escape(str(value))


def _figure(src: str, caption: str) -> str:
    return (f'<figure><img src="{html.escape(src)}" alt="{html.escape(caption)}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def _metrics_table(ev: ModelEvaluation) -> str:
    m = ev.metrics
    per = m["full"]["per_class"]
    rows = "".join(f"<tr><td>{CATEGORY_NAMES_ZH[c]} {c}</td><td>{_fmt(per[c]['precision'])}</td>"
                   f"<td>{_fmt(per[c]['recall'])}</td><td>{_fmt(per[c]['f1'])}</td><td>{per[c]['support']}</td></tr>"
                   for c in CATEGORIES)
    pk = ", ".join(f"前 {k} 条 {_fmt(v)}" for k, v in m.get("precision_at_k", {}).items())
    return (f"<p>样本 {len(ev.briefs)} 条;准确率 {_fmt(m['full']['accuracy'])},可接受准确率 "
            f"{_fmt(m['full']['accepted_accuracy'])},macro-F1 {_fmt(m['full']['macro_f1'])},仅标题可接受准确率 "
            f"{_fmt(m['title_only']['accepted_accuracy'])};采用 AUC {_fmt(m['adoption_auc'])};"
            f"队列 precision@k:{pk or '—'}。</p>"
            "<table><tr><th>类别</th><th>精确率</th><th>召回率</th><th>F1</th><th>条数</th></tr>"
            f"{rows}</table>")


def _group_table(rows: list, first: str) -> str:
    body = "".join(f"<tr><td>{html.escape(r.get('code', r['group']))}</td>"
                   + (f"<td>{html.escape(r['group'])}</td>" if "code" in r else "")
                   + f"<td>{r['n']}</td><td>{_fmt(r['adopted'] / r['known'] if r['known'] else None)}</td></tr>"
                   for r in rows)
    head = f"<tr><th>{first}</th>" + ("<th>单位</th>" if rows and "code" in rows[0] else "") + \
        "<th>条数</th><th>采用率</th></tr>"
    return f"<table>{head}{body}</table>"


def write_report(directory: str | os.PathLike, evaluation: ModelEvaluation, *, data: Sequence[Brief],
                 title: str, intro: str = "", comparison: dict | None = None, decision: str = "",
                 extra: dict | None = None) -> Path:
    """Write index.html, its plots and metrics.json into `directory`; returns the page's path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    data = [b for b in data if b.labels is not None]
    parts = [f'<p class="back"><a href="{BACK}">返回模型管理</a></p>', f"<h1>{html.escape(title)}</h1>",
             f"<p>生成时间 {clock.now():%Y-%m-%d %H:%M}。{html.escape(intro)}</p>"]
    if comparison is not None:
        parts += ["<h2>当前模型与挑战者</h2>", f"<p>{html.escape(decision)}</p>",
                  _figure(plot_comparison(comparison, directory),
                          f"当前模型与挑战者在{'和'.join(SPLIT_NAMES[k] for k in evaluated_splits(comparison))}"
                          "上的类别 macro-F1 与采用 AUC"),
                  _comparison_table(comparison)]
    parts += [f"<h2>类别判断({html.escape(evaluation.name)})</h2>", _metrics_table(evaluation),
              _figure(plot_confusion(evaluation, directory), "混淆矩阵:行为标注的主类别,列为模型判断"),
              _figure(plot_per_class(evaluation, directory), "各类别精确率、召回率、F1"),
              "<h2>采用概率与预审队列</h2>",
              _figure(plot_reliability(evaluation, directory), "采用概率的可靠性曲线:各概率区间内实际采用的比例"),
              _figure(plot_precision_at_k(evaluation, directory), "队列 precision@k:按优先级排序后前 k 条中被采用的比例")]
    month_png, month_rows = plot_by_month(data, directory)
    unit_png, unit_rows = plot_by_unit(data, directory)
    parts += [f"<h2>数据构成({len(data)} 条)</h2>",
              _figure(month_png, "各月类别构成与采用率"), _group_table(month_rows, "月份"),
              _figure(unit_png, "各单位类别构成与采用率(信息最多的单位)"), _group_table(unit_rows, "单位")]
    page = (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>'
            f"<style>{STYLE}</style></head><body>{''.join(parts)}"
            f'<p class="back"><a href="{BACK}">返回模型管理</a></p></body></html>')
    metrics = {"title": title, "evaluation": evaluation.name, "metrics": evaluation.metrics,
               "comparison": comparison, "decision": decision, "by_month": month_rows, "by_unit": unit_rows,
               **(extra or {})}
    _atomic_write(directory / "metrics.json",
                  json.dumps(metrics, ensure_ascii=False, indent=2, default=str).encode("utf-8"))
    _atomic_write(directory / "index.html", page.encode("utf-8"))
    return directory / "index.html"


def _comparison_table(comparison: dict) -> str:
    rows = []
    splits = evaluated_splits(comparison)
    for split in splits:
        n = comparison["challenger"][split].get("n")
        for key, label in METRIC_NAMES.items():
            a = comparison["champion"][split].get(key)
            b = comparison["challenger"][split].get(key)
            rows.append(f"<tr><td>{SPLIT_NAMES[split]}({n} 条)</td><td>{label}</td><td>{_fmt(a)}</td>"
                        f"<td>{_fmt(b)}</td></tr>")
    notes = "".join(f'<p class="note">本次未做{"时间切分测试" if split == "time" else "固定留出集测试"}。</p>'
                    for split in SPLIT_NAMES if split not in splits)
    return ("<table><tr><th>测试集</th><th>指标</th><th>当前模型</th><th>挑战者</th></tr>"
            + "".join(rows) + "</table>" + notes)


def write_retrain_report(reports_dir: Path, result, data: Sequence[Brief]) -> Path:
    """The report of one retraining run, in reports_dir/retrain-<version>; returns its directory."""
    directory = reports_dir / f"retrain-{result.version}"
    verdict = f"{result.version} 已上线" if result.promoted else f"{result.version} 未上线:{result.reason}"
    write_report(directory, result.evaluations["heldout"]["challenger"], data=data,
                 title=f"重新训练报告:挑战者 {result.version},当前模型 {result.champion}",
                 intro=f"训练数据快照 {result.snapshot['hash'][:16]}({result.snapshot['size']} 条)。"
                       f"下图为挑战者在固定留出集上的表现。",
                 comparison=result.comparison, decision=f"{verdict}。{result.reason if result.promoted else ''}",
                 extra={"retrain": result.to_dict()})
    return directory
