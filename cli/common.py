"""What every `briefs` command shares: the Typer app, consoles, common options, domain errors
as a Chinese message and exit code 2, loading the model and an archive, the progress bar.
"""

from __future__ import annotations

from functools import wraps
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from review.errors import BriefError

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


def load_model_dir(path: Optional[Path]):
    from models import load_model

    return load_model(path)


def load_archive(path: Optional[Path]):
    from review.readers import load_briefs

    return load_briefs(path) if path else []




def with_progress(run, *, total: int | None):
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
