"""Readable Chinese reports for the terminal (rich)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from api.formats import format_points
from review.brief import CATEGORIES, CATEGORY_NAMES_ZH, LEVEL_NAMES_ZH, Brief
from review.checks import flag_names_zh
from review.proofread import apply_fixes
from review.ranking import explain
from review.result import Review

SEVERITY_STYLE = {"error": ("bold white on red", "错误"), "warning": ("bold black on yellow", "警告"),
                  "info": ("bold white on blue", "提示")}


def _bar(value: float, width: int = 20) -> str:
    filled = int(round(value * width))
    return "█" * filled + "░" * (width - filled)


def highlighted_text(brief: Brief, review: Review) -> Text:
    """The brief's text with each flag's evidence highlighted by severity."""
    text = Text(brief.text)
    for flag in review.flags:
        style, _ = SEVERITY_STYLE[flag.severity]
        for start, end in flag.spans:
            text.stylize(style, start, end)
    return text


def print_check(console: Console, brief: Brief, review: Review) -> None:
    """The self-check report of one draft."""
    console.rule("[bold]信息自查报告")
    console.print(f"标题:{brief.title or '(无标题)'}", highlight=False)
    console.print(f"单位:{brief.unit}    报送时间:{brief.submitted_at:%Y-%m-%d %H:%M}", highlight=False)
    console.print()
    console.print(f"[bold]类别判断:{CATEGORY_NAMES_ZH[review.category]}类[/]"
                  + ("    [bold red]紧急[/]" if review.urgent else ""))
    for cat in CATEGORIES:
        score = review.category_scores[cat]
        console.print(f"  {CATEGORY_NAMES_ZH[cat]}  {_bar(score)} {score:.0%}", highlight=False)
    level = max((k for k in review.adoption.level_probs if k != "none"),
                key=lambda k: review.adoption.level_probs[k], default=None)
    if review.adoption.probability < 0.1:
        level = None  # naming a likely level for an unlikely adoption would mislead
    console.print(f"采用可能性:{review.adoption.probability:.0%}"
                  + (f"(最可能为{LEVEL_NAMES_ZH.get(level, level)}采用)" if level else "")
                  + f"    预计得分:{format_points(review.adoption.expected_points)}    优先级:{review.priority:.2f}",
                  highlight=False)
    console.print(f"优先级构成:{explain(review.priority_reasons)}", highlight=False)
    console.print()
    if review.flags:
        console.print(f"[bold]发现 {len(review.flags)} 处需要注意的问题:[/]")
        for n, flag in enumerate(review.flags, start=1):
            style, label = SEVERITY_STYLE[flag.severity]
            line = Text(f"{n}. ")
            line.append(f" {label} ", style=style)
            line.append(f" {flag_names_zh().get(flag.code, flag.code)}[{flag.code}] ")
            line.append(flag.message)
            if flag.evidence:
                line.append(f"(依据:{flag.evidence})", style="dim")
            if flag.suggestion is not None:
                line.append(f" 建议改为:{flag.suggestion}", style="green")
            console.print(line)
    else:
        console.print("[green]未发现问题。[/]")
    if review.duplicates:
        console.print()
        console.print("[bold]相似的历史信息:[/]")
        for dup in review.duplicates:
            console.print(f"  {dup.id}  {dup.unit}  相似度 {dup.similarity:.0%}", highlight=False)
    console.print()
    console.rule("原文(问题处已标出)")
    console.print(highlighted_text(brief, review))


def write_fixed(console: Console, err: Console, brief: Brief, review: Review, path: Path | None) -> None:
    """The draft with every certain suggestion applied, as a .txt draft (first line the title),
    to `path` or to stdout; the number of changes goes to stderr."""
    title, body, applied = apply_fixes(brief, review.flags)
    text = f"{title}\n{body}" if title and body else title or body
    if path is None:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    else:
        path.write_text(text + "\n", encoding="utf-8")
    err.print(f"已采纳 {applied} 处确定的修改建议" + (f",改正后的草稿已写入 {path}" if path else ""), highlight=False)


def print_summary(console: Console, summary) -> None:
    """End-of-run summary of a batch."""
    cats = "、".join(f"{CATEGORY_NAMES_ZH[c]} {summary.categories[c]}" for c in CATEGORIES if summary.categories[c])
    flags = "、".join(f"{flag_names_zh().get(c, c)} {n}" for c, n in summary.flags.most_common())
    console.print(f"共 {summary.total} 条:评分 {summary.scored} 条,错误 {summary.errors} 条;"
                  f"耗时 {summary.seconds:.1f} 秒({summary.rate:.0f} 条/秒)", highlight=False)
    if cats:
        console.print(f"类别:{cats}", highlight=False)
    console.print(f"紧急 {summary.urgent} 条,疑似重复 {summary.duplicates} 条", highlight=False)
    if flags:
        console.print(f"问题:{flags}", highlight=False)
    for message in summary.error_messages[:20]:
        console.print(f"[red]错误[/]:{message}", highlight=False)
    if len(summary.error_messages) > 20:
        console.print(f"……另有 {len(summary.error_messages) - 20} 条错误", highlight=False)


def print_queue(console: Console, reviews, briefs_by_id: dict, *, total: int) -> None:
    """The editors' ranked queue as a table."""
    table = Table(title=f"编辑预审队列(共 {total} 条,显示前 {len(reviews)} 条)", show_lines=False)
    for col in ("排名", "编号", "单位", "标题", "类别", "优先级", "采用率", "理由", "问题"):
        table.add_column(col, overflow="fold")
    for rank, r in enumerate(reviews, start=1):
        brief = briefs_by_id[r.id]
        title = brief.title or brief.body[:20]
        cat = CATEGORY_NAMES_ZH[r.category] + ("·急" if r.urgent else "")
        flags = "、".join(flag_names_zh().get(f.code, f.code) for f in r.flags if f.severity != "info")
        table.add_row(str(rank), r.id, brief.unit, title[:30], cat, f"{r.priority:.2f}",
                      f"{r.adoption.probability:.0%}", explain(r.priority_reasons), flags)
    console.print(table)


def print_evaluation(console: Console, result: dict) -> None:
    """Per-class metrics, confusion matrix and AUC of one evaluation."""
    names = {"cv": "分层交叉验证", "unit": "按单位分组验证(测试单位未参与训练)", "time": "按时间切分(旧数据训练,新数据测试)",
             "heldout": "留出集评估"}
    console.rule(f"[bold]{names.get(result['scheme'], result['scheme'])}  样本 {result['n']}")
    for part, label in (("full", "标题+正文"), ("title_only", "仅标题")):
        m = result[part]
        console.print(f"[bold]{label}[/]:准确率 {m['accuracy']:.3f}  可接受准确率 {m['accepted_accuracy']:.3f}  "
                      f"宏平均F1 {m['macro_f1']:.3f}", highlight=False)
        table = Table(show_header=True)
        for col in ("类别", "精确率", "召回率", "F1", "可接受召回率", "样本数"):
            table.add_column(col)
        for c in CATEGORIES:
            pc = m["per_class"][c]
            table.add_row(CATEGORY_NAMES_ZH[c], f"{pc['precision']:.2f}", f"{pc['recall']:.2f}", f"{pc['f1']:.2f}",
                          f"{pc['accepted_recall']:.2f}", str(pc["support"]))
        console.print(table)
    conf = Table(title="混淆矩阵(行=标注,列=预测;标题+正文)")
    conf.add_column("")
    for c in CATEGORIES:
        conf.add_column(CATEGORY_NAMES_ZH[c])
    for c, row in zip(CATEGORIES, result["full"]["confusion"]):
        conf.add_row(CATEGORY_NAMES_ZH[c], *map(str, row))
    console.print(conf)
    auc = result["adoption_auc"]
    console.print(f"紧急识别:精确率 {result['urgent']['precision']:.2f} 召回率 {result['urgent']['recall']:.2f}"
                  f"(样本 {result['urgent']['support']});采用预测 AUC "
                  f"{'—' if math.isnan(auc) else f'{auc:.3f}'}(采用率 {result['adoption_rate']:.1%})", highlight=False)
