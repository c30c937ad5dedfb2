"""`briefs check`, `briefs score` and `briefs queue`: the engine on drafts and archives."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from cli import report
from cli.common import (
    ArchiveOpt,
    ConfigOpt,
    ModelOpt,
    app,
    err,
    load_archive,
    load_model_dir,
    out,
    user_errors,
    with_progress,
)
from review import clock
from review.config import load_config
from review.errors import BriefError
from review.records import parse_time, read_draft


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
    review = review_briefs([draft], load_model_dir(model), config=cfg, archive=load_archive(archive))[0]
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
    executor: str = typer.Option("local", "--executor", help="local(本机)或 dask(集群)"),
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

    from batch.pipeline import score_stream
    from review.readers import count_records

    to_stdout = output is None
    if to_stdout and resume:
        raise BriefError("--resume 需要用 -o 指定输出文件", code="missing_option")
    tmpdir = tempfile.mkdtemp(prefix="briefs-score-") if to_stdout else None
    target = Path(tmpdir) / "out.jsonl" if to_stdout else output
    n_workers = workers or len(os.sched_getaffinity(0))
    try:
        summary = with_progress(lambda progress: score_stream(
            input, target, model=load_model_dir(model), config=load_config(config), workers=n_workers, executor=executor,
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
    reviews = review_in_chunks(briefs, load_model_dir(model), config=load_config(config), archive=load_archive(archive))
    by_id = {b.id: b for b in briefs}
    report.print_queue(out, rank_queue(reviews)[:top], by_id, total=len(reviews))
