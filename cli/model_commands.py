"""`briefs train`, `briefs evaluate`, `briefs models ...` and `briefs retrain`: models and the registry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from cli import report
from cli.common import ConfigOpt, app, err, load_model_dir, out, user_errors
from review.config import load_config
from review.errors import BriefError


@app.command()
@user_errors
def train(
    data: Path = typer.Argument(..., help="带标注的信息记录 JSONL/CSV"),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="模型输出目录(默认 var/models/default)"),
    seed: int = typer.Option(0, "--seed", help="随机种子"),
    config: Optional[Path] = ConfigOpt,
    backend: str = typer.Option("linear", "--backend",
                                help="linear(默认模型)或 transformer(在默认模型之上微调本地 Hugging Face 模型做分类)"),
    base_model: Optional[Path] = typer.Option(None, "--base-model",
                                              help="transformer:本地基础模型目录(config.json、model.safetensors、分词器文件)"),
    epochs: int = typer.Option(3, "--epochs", min=1, help="transformer:训练轮数"),
    max_steps: Optional[int] = typer.Option(None, "--max-steps", min=1, help="transformer:最多训练步数(先到先停)"),
    batch_size: int = typer.Option(16, "--batch-size", min=1, help="transformer:批大小"),
    max_length: int = typer.Option(256, "--max-length", min=8,
                                   help="transformer:最大 token 数,标题与正文合计,超出截断正文"),
    learning_rate: float = typer.Option(5e-5, "--learning-rate", help="transformer:学习率"),
    combine: float = typer.Option(0.0, "--combine",
                                  help="transformer:与默认模型的类别概率加权平均时,默认模型的权重"
                                       "(0 到 1,0 表示只用 transformer)"),
):
    """训练模型(分类、紧急程度、采用预测);--backend transformer 微调本地 Hugging Face 模型做分类。"""
    from models.bundle import default_model_dir
    from review.readers import load_briefs

    if backend not in ("linear", "transformer"):
        raise BriefError("--backend 应为 linear 或 transformer", code="invalid_option")
    if backend == "linear" and base_model is not None:
        raise BriefError("--base-model 只用于 --backend transformer", code="invalid_option")
    if backend == "transformer" and base_model is None:
        raise BriefError("--backend transformer 需要 --base-model 指向本地基础模型目录", code="invalid_option")
    briefs = load_briefs(data)
    progress = lambda m: err.print(f"· {m}")  # noqa: E731
    if backend == "linear":
        model = _train_linear(briefs, config=load_config(config), seed=seed)
    else:
        model = _train_transformer(briefs, base_model, config=load_config(config), seed=seed, progress=progress,
                                   combine=combine, transformer_params={
                                       "epochs": epochs, "max_steps": max_steps, "batch_size": batch_size,
                                       "max_length": max_length, "learning_rate": learning_rate})
    path = model.save(output or default_model_dir())
    err.print(f"[green]模型已保存[/]:{path}(版本 {model.version},训练样本 {len(briefs)} 条)")


def _train_linear(briefs, **kwargs):
    """`train_model` with a progress bar: each step's name, the share done, time spent and left."""
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from training.train import train_model

    with Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TextColumn("已用"),
                  TimeElapsedColumn(), TextColumn("预计还需"), TimeRemainingColumn(), console=err,
                  transient=False) as bar:
        task = bar.add_task(f"训练 {len(briefs)} 条", total=1.0)
        model = train_model(briefs, **kwargs, progress=lambda m: bar.update(task, description=m),
                            advance=lambda share: bar.advance(task, share))
        bar.update(task, description="训练完成", completed=1.0)
    return model


def _train_transformer(briefs, base_model: Path, **kwargs):
    """`train_transformer_model` with a progress bar over the fine-tuning steps."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from training.transformer import train_transformer_model

    with Progress(TextColumn("微调"), BarColumn(), MofNCompleteColumn(), TextColumn("损失 {task.fields[loss]}"),
                  TimeRemainingColumn(), console=err, transient=False) as bar:
        task = None

        def step(done: int, total: int, loss: float) -> None:
            nonlocal task
            if task is None:
                task = bar.add_task("fine-tune", total=total, loss="")
            bar.update(task, completed=done, loss=f"{loss:.3f}")

        return train_transformer_model(briefs, base_model=base_model, callback=step, **kwargs)


@app.command()
@user_errors
def evaluate(
    data: Path = typer.Argument(..., help="带标注的信息记录 JSONL/CSV"),
    model: Optional[Path] = typer.Option(None, "--model", help="评估已训练的模型(DATA 作为留出集);不给则交叉验证训练过程"),
    scheme: str = typer.Option("all", "--scheme", help="cv(分层交叉验证)、unit(按单位分组)、time(按时间切分)或 all"),
    folds: int = typer.Option(5, "--folds", min=2, help="交叉验证折数"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
    report_dir: Optional[Path] = typer.Option(None, "--report", help="把 HTML 评估报告(含图)写入此目录;"
                                              "评估 --model 或模型库当前上线的模型"),
    compare: Optional[str] = typer.Option(None, "--compare", help="与模型库中的此版本对比(配合 --report)"),
    config: Optional[Path] = ConfigOpt,
):
    """评估:各类别准确率/召回率/F1、混淆矩阵、采用 AUC;--report 生成带图的 HTML 报告。"""
    from review.readers import load_briefs
    from training.evaluate import SCHEMES, evaluate_model
    from training.evaluate import evaluate as run_cv

    briefs = load_briefs(data)
    cfg = load_config(config)
    if report_dir is not None:
        page = write_evaluation_report(report_dir, briefs, load_model_dir(model), cfg, compare=compare, data_name=data.name)
        err.print(f"[green]报告已生成[/]:{page}")
        return
    if model is not None:
        results = [{"scheme": "heldout", "n": len(briefs), **evaluate_model(load_model_dir(model), briefs, config=cfg)}]
    else:
        if scheme != "all" and scheme not in SCHEMES:
            raise BriefError(f"--scheme 应为 {'、'.join(SCHEMES)} 或 all", code="invalid_option")
        schemes = SCHEMES if scheme == "all" else (scheme,)
        results = [r.to_dict() for r in run_cv(briefs, schemes=schemes, folds=folds, config=cfg,
                                               progress=lambda m: err.print(f"· {m}"))]
    if as_json:
        out.print_json(json.dumps(results, ensure_ascii=False))
    else:
        for result in results:
            report.print_evaluation(out, result)


def write_evaluation_report(directory: Path, briefs, model, cfg, *, compare: Optional[str] = None,
                            data_name: str = "") -> Path:
    """Evaluate `model` on labelled briefs and write the HTML report (optionally against a registry version)."""
    from models.registry import ModelRegistry
    from training.evaluate import evaluate_model_detail
    from training.report import write_report
    from training.retrain import compact

    if not briefs or any(b.labels is None for b in briefs):
        raise BriefError("评估报告需要带 categories 标注的信息记录", code="unlabelled")
    err.print(f"· 评估模型 {model.version}({len(briefs)} 条)")
    ev = evaluate_model_detail(model, briefs, config=cfg, name=f"{model.version},{data_name}")
    comparison, decision = None, ""
    if compare:
        other = ModelRegistry().load(compare)
        err.print(f"· 评估对比模型 {compare}")
        other_ev = evaluate_model_detail(other, briefs, config=cfg)
        comparison = {"champion": {"heldout": compact(ev.metrics)}, "challenger": {"heldout": compact(other_ev.metrics)}}
        decision = f"champion 为 {model.version},challenger 为 {compare},均在 {data_name} 上评估(图中 heldout)。"
    err.print("· 绘图")
    return write_report(directory, ev, data=briefs, title=f"模型评估报告:{model.version}",
                        intro=f"评估数据 {data_name}({len(briefs)} 条),模型训练数据哈希 "
                              f"{str(model.meta.get('training_data_hash', ''))[:16]}。",
                        comparison=comparison, decision=decision)


models_app = typer.Typer(help="模型库:版本、上线、回滚", no_args_is_help=True)
app.add_typer(models_app, name="models")


def _registry():
    from api.settings import get_settings
    from models.registry import ModelRegistry

    return ModelRegistry(get_settings().model_root)


@models_app.command("list")
@user_errors
def models_list():
    """列出模型版本,* 标记当前上线的版本。"""
    from rich.table import Table

    registry = _registry()
    rows = registry.list()
    if not rows:
        err.print(f"模型库 {registry.root} 为空。运行 `make model` 或 `briefs models init`。")
        return
    table = Table(title=f"模型库 {registry.root}")
    for col in ("", "版本", "上级", "创建时间", "类型", "训练数据", "条数", "留出集 F1", "留出集 AUC", "结论"):
        table.add_column(col)
    for r in rows:
        held = (r.get("metrics") or {}).get("heldout", {})
        decision = r.get("decision") or {}
        verdict = "" if not decision else ("通过" if decision.get("promoted") else "未上线")
        table.add_row("*" if r["promoted"] else "", r["version"], r.get("parent") or "", (r.get("created_at") or "")[:16],
                      r.get("backend") or "", (r.get("training_data_hash") or "")[:12], str(r.get("training_size") or ""),
                      _num(held.get("macro_f1")), _num(held.get("adoption_auc")), r.get("error") or verdict)
    out.print(table)


def _num(value) -> str:
    return "" if value is None else f"{value:.3f}"


@models_app.command("show")
@user_errors
def models_show(version: str = typer.Argument(..., help="版本,如 v2")):
    """显示一个版本的 meta.json(训练数据哈希、类别计数、指标、是否上线及原因)。"""
    registry = _registry()
    meta = registry.meta(version)
    meta["promoted"] = registry.champion() == version
    out.print_json(json.dumps(meta, ensure_ascii=False, default=str))


@models_app.command("promote")
@user_errors
def models_promote(version: str = typer.Argument(..., help="版本,如 v2")):
    """上线一个版本(先校验文件;已损坏的版本会被拒绝,当前模型不变)。"""
    previous = _registry().promote(version)
    out.print(f"promoted: {version}" + (f"(原为 {previous})" if previous and previous != version else ""))


@models_app.command("rollback")
@user_errors
def models_rollback():
    """回滚到上一个上线过的版本。"""
    out.print(f"promoted: {_registry().rollback()}(已回滚)")


@models_app.command("init")
@user_errors
def models_init(model: Optional[Path] = typer.Option(None, "--model", help="模型目录(默认 var/models/default)")):
    """模型库为空时,把默认模型登记为 v1 并上线。"""
    from models.bundle import default_model_dir

    registry = _registry()
    version = registry.ensure_initial(model or default_model_dir())
    if version:
        err.print(f"已登记并上线 {version}:{registry.root / version}")
    else:
        err.print(f"模型库已有 {len(registry.versions())} 个版本,当前上线 {registry.champion()};未改动"
                  f"(新模型用 `briefs models register DIR` 登记)")


@models_app.command("register")
@user_errors
def models_register(path: Path = typer.Argument(..., help="`briefs train` 生成的模型目录"),
                    promote: bool = typer.Option(False, "--promote", help="登记后立即上线")):
    """把一个模型目录登记为新版本(校验后复制进模型库)。"""
    registry = _registry()
    version = registry.register_dir(path, parent=registry.champion())
    err.print(f"已登记 {version}")
    if promote:
        registry.promote(version)
        out.print(f"promoted: {version}")


@app.command()
@user_errors
def retrain(data: Optional[Path] = typer.Option(None, "--data", help="追加的带标注信息记录 JSONL/CSV"),
            config: Optional[Path] = ConfigOpt):
    """用编辑决定重新训练:导出快照,训练挑战者,与当前模型在同一测试数据上比较,达标才上线。"""
    import time

    from api.learning import resolve
    from api.settings import get_settings
    from models.bundle import default_model_dir
    from review.readers import load_briefs
    from storage.db import make_engine, upgrade
    from training.retrain import retrain as run_retrain
    from training.snapshot import build_snapshot

    settings = get_settings()
    cfg = load_config(config or settings.config)
    rules = cfg.section("retrain")
    registry = _registry()
    if registry.champion() is None:
        registry.ensure_initial(default_model_dir())
    started = time.monotonic()

    def say(message: str) -> None:
        err.print(f"[dim]{time.monotonic() - started:6.1f}s[/] · {message}", highlight=False)

    engine = make_engine(settings.database_url)
    upgrade(engine)
    say("导出训练数据快照(样本 + 数据库中已决定的信息" + (f" + {data.name}" if data else "") + ")")
    heldout_path = resolve(rules["heldout"])
    snapshot = build_snapshot(config=cfg, engine=engine, samples=resolve(rules["samples"]), data=data,
                              heldout=heldout_path)
    engine.dispose()
    result = run_retrain(registry, snapshot, load_briefs(heldout_path), config=cfg, progress=say,
                         reports_dir=registry.root / "reports")
    for role in ("champion", "challenger"):
        name = result.champion if role == "champion" else result.version
        parts = [f"{split} F1 {_num(m.get('macro_f1'))} AUC {_num(m.get('adoption_auc'))}"
                 for split, m in result.comparison[role].items()]
        err.print(f"  {'当前模型' if role == 'champion' else '挑战者  '} {name}:" + ";".join(parts))
    if result.report:
        err.print(f"  报告:{result.report / 'index.html'}")
    out.print(f"promoted: {result.version}" if result.promoted else f"not promoted: {result.reason}",
              highlight=False, soft_wrap=True)
