"""The resume journal of a batch run: the partial output, its checkpoint and the index beside it."""

from __future__ import annotations

import json
import os
from pathlib import Path

from review.errors import BriefError


def paths(output: Path) -> tuple[Path, Path, Path]:
    return (output.with_name(output.name + ".partial"), output.with_name(output.name + ".partial.json"),
            output.with_name(output.name + ".partial-index"))


def truncate_journal(path: Path, keep: int) -> None:
    """Truncate the journal to its first `keep` lines (after a crash it may hold more, or half a line)."""
    size = 0
    with path.open("rb") as fh:
        for _ in range(keep):
            line = fh.readline()
            if not line.endswith(b"\n"):
                raise BriefError(f"未完成的输出 {path} 比检查点短,无法续跑;请删除后重新运行", code="resume_mismatch")
            size += len(line)
    with path.open("r+b") as fh:
        fh.truncate(size)


def write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
