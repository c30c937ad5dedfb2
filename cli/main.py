"""`briefs`: the command line. Each command parses arguments and calls importable functions."""

from __future__ import annotations

import json
import sys
from functools import wraps
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from cli import report
from review import clock
from review.config import load_config
from review.errors import BriefError
from review.records import parse_time, read_draft

app = typer.Typer(help="brief-review:政务信息审核、分类与排序工具", no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False)
err = Console(stderr=True, soft_wrap=True)
out = Console()

ModelOpt = typer.Option(None, "--model", help="模型目录(默认 $BRIEFS_MODEL_DIR 或 var/models/default)")
ConfigOpt = typer.Option(None, "--config", help="配置文件(TOML,覆盖 review/defaults.toml 中的默认值)")
ArchiveOpt = typer.Option(None, "--archive", help="历史信息库(JSONL/CSV),用于查重")


def user_errors(func):
    """Turn domain errors into a Chinese message on stderr and exit code 2."""
    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except BriefError as exc:
            err.print(f"[bold red]错误[/]({exc.code}):{exc}", highlight=False)
            raise typer.Exit(2) from None
    return wrapper


def _model(path: Optional[Path]):
    from models import load_model

    return load_model(path)


def _archive(path: Optional[Path]):
    from review.readers import load_briefs

    return load_briefs(path) if path else []


@app.command()
@user_errors
def check(
    file: Optional[str] = typer.Argument(None, help="草稿文件:.txt(首行为标题)、.docx 或 .json 记录;- 表示标准输入"),
    title: Optional[str] = typer.Option(None, "--title", help="标题(.txt 不含标题时使用)"),
    unit: Optional[str] = typer.Option(None, "--unit", help="报送单位"),
    submitted_at: Optional[str] = typer.Option(None, "--submitted-at", help="报送时间 ISO 8601,默认为现在"),
    archive: Optional[Path] = ArchiveOpt,
    as_json: bool = typer.Option(False, "--json", help="输出审核结果 JSON"),
    fix: bool = typer.Option(False, "--fix", help="采纳全部确定的修改建议,输出改正后的草稿(首行为标题)"),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="与 --fix 合用:改正后的草稿写入此文件(否则写到标准输出)"),
    model: Optional[Path] = ModelOpt,
    config: Optional[Path] = ConfigOpt,
):
    """信息员自查:给出类别、问题和修改建议;--fix 输出改正后的草稿。"""
    from review.engine import review_briefs

    when = parse_time(submitted_at, field="--submitted-at") if submitted_at else clock.now()
    if file is None and title is None:
        raise BriefError("请给出草稿文件,或用 - 从标准输入读取,或至少用 --title 给出标题", code="missing_input")
    if file in (None, "-"):
        data = sys.stdin.buffer.read() if file == "-" else b""
        if file is None:
            draft = read_draft(None, title.encode("utf-8"), unit=unit, submitted_at=when)
        else:
            draft = read_draft(None, data, title=title, unit=unit, submitted_at=when)
    else:
        draft = read_draft(file, title=title, unit=unit, submitted_at=when)
    cfg = load_config(config)
    review = review_briefs([draft], _model(model), config=cfg, archive=_archive(archive))[0]
    if fix:
        report.write_fixed(out, err, draft, review, output)
        if output is None:
            return
    if as_json:
        out.print_json(json.dumps(review.to_dict(), ensure_ascii=False))
    else:
        report.print_check(out, draft, review)


@app.command()
@user_errors
def score(
    input: Path = typer.Argument(..., help="信息记录:JSONL、CSV、Parquet,或 .txt/.docx 文件所在的文件夹"),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="输出 JSONL、CSV 或 Parquet(默认 JSONL 到标准输出)"),
    archive: Optional[Path] = ArchiveOpt,
    index: Optional[Path] = typer.Option(None, "--index", help="持久查重索引目录(与服务共用;不存在则创建,本次评分的信息会加入)"),
    workers: int = typer.Option(0, "--workers", min=0, help="本机工作进程数(默认为全部 CPU 核)"),
    engine: str = typer.Option("local", "--engine", help="local(本机)或 dask(集群)"),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask 调度器地址,例如 tcp://10.0.0.5:8786"),
    resume: bool = typer.Option(False, "--resume", help="从中断处继续:跳过输出中已有的记录"),
    unit: Optional[str] = typer.Option(None, "--unit", help="文件夹输入时的报送单位(默认取子文件夹名)"),
    chunk_size: int = typer.Option(1024, "--chunk-size", min=1, help="每块记录数"),
    checkpoint_seconds: float = typer.Option(2.0, "--checkpoint-seconds", min=0, help="两次检查点之间的秒数(续跑从最近的检查点开始)"),
    model: Optional[Path] = ModelOpt,
    config: Optional[Path] = ConfigOpt,
):
    """批量评分:每条记录输出一条审核结果,顺序与输入一致;内存占用恒定,可中断续跑。"""
    import os
    import shutil
    import tempfile

    from review.readers import count_records
    from review.stream import score_stream

    to_stdout = output is None
    if to_stdout and resume:
        raise BriefError("--resume 需要用 -o 指定输出文件", code="missing_option")
    tmpdir = tempfile.mkdtemp(prefix="briefs-score-") if to_stdout else None
    target = Path(tmpdir) / "out.jsonl" if to_stdout else output
    n_workers = workers or len(os.sched_getaffinity(0))
    try:
        summary = _with_progress(lambda progress: score_stream(
            input, target, model=_model(model), config=load_config(config), workers=n_workers, engine=engine,
            scheduler=scheduler, index_dir=index, archive=archive, resume=resume, unit=unit,
            chunk_size=chunk_size, progress=progress, commit_seconds=checkpoint_seconds), total=count_records(input))
        if to_stdout:
            with target.open("rb") as fh:
                shutil.copyfileobj(fh, sys.stdout.buffer)
            sys.stdout.flush()
    except OSError as exc:  # disk full, permissions: the partial output stays for --resume
        raise BriefError(f"读写文件失败:{exc.strerror or exc}({exc.filename or ''})", code="io_error") from None
    finally:
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)
    report.print_summary(err, summary)
    if summary.errors:
        raise typer.Exit(2)


def _with_progress(run, *, total: int | None):
    """Run `run(progress)` under a rich progress bar on stderr: count, rate and ETA."""
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("评分"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
                  TextColumn("剩余"), TimeRemainingColumn(), console=err, transient=False) as bar:
        task = bar.add_task("score", total=total, rate="")
        started, first = time.perf_counter(), None

        def progress(done: int, n: int) -> None:
            nonlocal first
            first = done - n if first is None else first  # a resumed run starts part-way
            rate = (done - first) / max(time.perf_counter() - started, 1e-9)
            bar.update(task, completed=done, rate=f"{rate:.0f} 条/秒")

        return run(progress)


@app.command()
@user_errors
def queue(
    input: Path = typer.Argument(..., help="信息记录 JSONL 或 CSV"),
    top: int = typer.Option(20, "--top", min=1, help="显示前 N 条"),
    archive: Optional[Path] = ArchiveOpt,
    model: Optional[Path] = ModelOpt,
    config: Optional[Path] = ConfigOpt,
):
    """编辑预审队列:按采用价值排序,并列出理由。"""
    from review.engine import review_in_chunks
    from review.ranking import rank_queue
    from review.readers import load_briefs

    briefs = load_briefs(input)
    reviews = review_in_chunks(briefs, _model(model), config=load_config(config), archive=_archive(archive))
    by_id = {b.id: b for b in briefs}
    report.print_queue(out, rank_queue(reviews)[:top], by_id, total=len(reviews))


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
    from training.train import train_model

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
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

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
    from training.evaluate import SCHEMES, evaluate as run_cv, evaluate_model

    briefs = load_briefs(data)
    cfg = load_config(config)
    if report_dir is not None:
        page = write_evaluation_report(report_dir, briefs, _model(model), cfg, compare=compare, data_name=data.name)
        err.print(f"[green]报告已生成[/]:{page}")
        return
    if model is not None:
        results = [{"scheme": "heldout", "n": len(briefs), **evaluate_model(_model(model), briefs, config=cfg)}]
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

    from storage.db import make_engine, upgrade
    from api.learning import resolve
    from api.settings import get_settings
    from models.bundle import default_model_dir
    from review.readers import load_briefs
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


user_app = typer.Typer(help="用户管理", no_args_is_help=True)
db_app = typer.Typer(help="数据库", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(db_app, name="db")


def _service(with_model: bool = False):
    """The service over $BRIEFS_DATABASE_URL (migrated first); the model only when needed."""
    from api.app import build_service
    from storage.db import make_engine, upgrade
    from api.services import ReviewService
    from api.settings import get_settings, secret_key

    settings = get_settings()
    if with_model:
        return build_service(settings)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    return ReviewService(engine, None, load_config(settings.config), secret=secret_key(settings))


@db_app.command("upgrade")
@user_errors
def db_upgrade():
    """创建或升级数据库结构(其他命令首次使用时也会自动执行)。"""
    from api.settings import get_settings

    _service()
    err.print(f"数据库已是最新结构:{get_settings().database_url}")


@user_app.command("add")
@user_errors
def user_add(name: str = typer.Argument(..., help="用户名"),
             role: str = typer.Option(..., "--role", help="officer(信息员)、editor(编辑)或 admin(管理员)"),
             unit: Optional[str] = typer.Option(None, "--unit", help="信息员所属报送单位")):
    """添加用户;密码取自环境变量 BRIEFS_PASSWORD,否则提示输入。"""
    import os

    from api.errors import Conflict

    if role == "officer" and not (unit or "").strip():  # the service's message names no option: say it here
        raise Conflict("信息员必须用 --unit 指定所属的报送单位", code="unit_required", status=422)
    password = os.environ.get("BRIEFS_PASSWORD") or typer.prompt("密码", hide_input=True, confirmation_prompt=True)
    _service().add_user(name, password, role, unit)
    err.print(f"已添加用户 {name}({role}{',' + unit if unit else ''})")


@user_app.command("list")
@user_errors
def user_list():
    """列出用户。"""
    from rich.table import Table

    table = Table(title="用户")
    for col in ("用户名", "角色", "单位", "状态"):
        table.add_column(col)
    for u in _service().list_users():
        table.add_row(u["username"], u["role"], u["unit"] or "", "正常" if u["active"] else "已停用")
    out.print(table)


@user_app.command("disable")
@user_errors
def user_disable(name: str = typer.Argument(..., help="用户名")):
    """停用用户(其登录凭证立即失效)。"""
    _service().disable_user(name)
    err.print(f"已停用用户 {name}")


@app.command("import")
@user_errors
def import_archive(input: Path = typer.Argument(..., help="信息记录 JSONL 或 CSV(可带采用结果)")):
    """把历史信息导入数据库并生成审核结果;已存在的编号跳过。"""
    from review.readers import load_briefs

    briefs = load_briefs(input)
    count = _service(with_model=True).import_briefs(briefs)
    err.print(f"导入 {count} 条(跳过已存在的 {len(briefs) - count} 条)")


DEMO_USERS = (("editor", "editor", None), ("admin", "admin", None), ("officer", "officer", "清河县农业农村局"),
              ("officer2", "officer", "安平县应急管理局"))


@app.command()
@user_errors
def serve(host: str = typer.Option("127.0.0.1", "--host", help="监听地址"),
          port: int = typer.Option(8000, "--port", help="端口"),
          demo: bool = typer.Option(False, "--demo", help="空数据库时导入示例信息并创建演示账号"),
          workers: int = typer.Option(1, "--workers", min=1, max=64,
                                      help="服务进程数(默认 1;多个进程共用数据库和模型库,见 docs/operators.md)")):
    """启动服务(数据库取自 BRIEFS_DATABASE_URL,默认 var/briefs.db)。"""
    import uvicorn

    from api.app import create_app
    from api.learning import learning_loop
    from api.settings import get_settings, secret_key
    from storage.db import make_engine, upgrade

    if workers > 1 and get_settings().dup_index is not None:
        raise BriefError("持久化雷同索引(BRIEFS_DUP_INDEX)同一时间只能由一个进程打开,多进程服务请去掉该设置"
                         "(各进程从数据库建立并同步索引),或用 --workers 1", code="invalid_option")
    settings = get_settings()
    if workers == 1 or demo:
        service = _service(with_model=True)
        if demo:
            seed_demo(service)
    else:  # the workers build their services; here only the database's schema and the signing key
        engine = make_engine(settings.database_url)
        upgrade(engine)
        engine.dispose()
        secret_key(settings)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    err.print(f"在浏览器中打开 http://{shown}:{port}/ 用上面的账号登录;接口文档:http://{shown}:{port}/docs")
    if workers == 1:
        uvicorn.run(create_app(service=service), host=host, port=port, log_level="info")
        return
    # Each worker process builds its own service from the same settings (database, model
    # registry, configuration); this one only prepared the database (and the demo data).
    if demo:
        learning_loop(service).stop()
        service.close()
        service.engine.dispose()
    err.print(f"以 {workers} 个进程运行")
    uvicorn.run("api.app:create_app", factory=True, workers=workers, host=host, port=port, log_level="info")


def seed_demo(service) -> None:
    """Sample archive and demo users on an empty database; prints the logins."""
    from api.settings import ROOT
    from review.readers import load_briefs

    import dataclasses

    existing = {u["username"] for u in service.list_users()}
    # The samples come in as decided history; the held-out set, without its outcomes, as
    # open submissions for the editors' queue. Stored ids are skipped on later starts.
    history = service.import_briefs(load_briefs(ROOT / "data_samples" / "briefs.jsonl"))
    pending = service.import_briefs([dataclasses.replace(b, labels=None)
                                     for b in load_briefs(ROOT / "data_samples" / "heldout.jsonl")])
    if history or pending:
        err.print(f"已导入示例信息:历史 {history} 条,待审 {pending} 条")
    err.print("演示账号(用户名 / 密码 / 角色):")
    for name, role, unit in DEMO_USERS:
        password = f"{name}-demo-pass"
        if name not in existing:
            service.add_user(name, password, role, unit)
        err.print(f"  {name} / {password} / {role}{'(' + unit + ')' if unit else ''}")


if __name__ == "__main__":  # pragma: no cover
    app()
