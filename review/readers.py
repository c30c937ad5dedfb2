"""Files of brief records, read one record at a time whatever their size.

JSONL (one record a line), CSV (header row), Parquet (columns named as the fields), or a
folder of `.txt`/`.docx` files. `iter_raw` yields each record unparsed (so batch scoring
can parse in its workers), `parse_raw` makes it a `Brief` or the `RecordError` saying what
is wrong, and `iter_records` / `load_briefs` do both for the commands and the trainer.
Readers yield errors in place of briefs, so one bad record never stops the others.
"""

from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

from review import clock
from review.brief import Brief
from review.errors import RecordError
from review.records import decode_text, parse_line, parse_record, parse_row, split_title
from review.wordfile import read_docx_text

DOC_SUFFIXES = (".txt", ".docx")



@dataclass(frozen=True)
class RawRecord:
    """One record as read, not yet parsed: a JSON line, a row, or a document file's bytes."""

    line: int
    kind: str          # "json", "row" or "doc"
    payload: Any
    name: str = ""


def iter_raw(path: Path, *, unit: str | None = None) -> Iterator[RawRecord]:
    """The input's records one by one, in order, holding one at a time.

    JSONL (one record a line), CSV (header row), Parquet (columns named as the fields), or
    a folder of `.txt`/`.docx` files: id = path inside the folder without the suffix, unit
    = `unit` or else the first sub-folder's name, submission time = the file's mtime.
    """
    path = Path(path)
    if path.is_dir():
        yield from _iter_folder(path, unit)
        return
    if not path.exists():
        raise RecordError(f"找不到文件:{path}", code="file_not_found")
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        with path.open("rb") as fh:
            for number, raw in enumerate(fh, start=1):
                if raw.strip():
                    yield RawRecord(number, "json", raw)
    elif suffix == ".csv":
        with path.open("rb") as fb:
            head = fb.read(4096)
        try:  # a non-UTF-8 file fails here, clearly, before any record is read
            codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        except UnicodeDecodeError:
            raise RecordError(f"文件 {path.name} 不是 UTF-8 编码,请另存为 UTF-8 后重试", code="invalid_encoding") from None
        with path.open(encoding="utf-8-sig", newline="", errors="strict") as fh:
            reader = csv.DictReader(fh)
            try:
                if not reader.fieldnames or "id" not in reader.fieldnames:
                    raise RecordError("CSV 第一行应为表头,至少包含 id、unit、title、body、submitted_at",
                                      code="invalid_csv", line=1)
                for number, row in enumerate(reader, start=2):
                    yield RawRecord(number, "row", row)
            except UnicodeDecodeError:
                raise RecordError(f"文件 {path.name} 不是 UTF-8 编码,请另存为 UTF-8 后重试",
                                  code="invalid_encoding") from None
    elif suffix == ".parquet":
        yield from _iter_parquet(path)
    else:
        raise RecordError(f"不支持的输入类型 {suffix},请使用 .jsonl、.csv、.parquet 或 .txt/.docx 文件夹",
                          code="unsupported_format")


def _iter_parquet(path: Path) -> Iterator[RawRecord]:
    import pyarrow.parquet as pq

    try:
        source = pq.ParquetFile(path)
    except Exception:  # pyarrow raises several types for a file that is not Parquet
        raise RecordError(f"{path.name} 不是有效的 Parquet 文件", code="invalid_parquet") from None
    number = 0
    for batch in source.iter_batches(batch_size=1024):
        for row in batch.to_pylist():
            number += 1
            for key in ("submitted_at", "event_at"):
                if isinstance(row.get(key), datetime):
                    when = row[key]
                    row[key] = clock.localize(when).isoformat()
            yield RawRecord(number, "row", row)


def _iter_folder(root: Path, unit: str | None) -> Iterator[RawRecord]:
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in DOC_SUFFIXES)
    if not files:
        raise RecordError(f"文件夹 {root} 中没有 .txt 或 .docx 文件", code="empty_input")
    for number, file in enumerate(files, start=1):
        rel = file.relative_to(root)
        rid = rel.with_suffix("").as_posix()
        owner = unit or (rel.parts[0] if len(rel.parts) > 1 else "未填写单位")
        mtime = clock.from_timestamp(file.stat().st_mtime).isoformat(timespec="seconds")
        yield RawRecord(number, "doc", (file.read_bytes(), rid, owner, mtime), name=rel.as_posix())


def count_records(path: Path) -> int | None:
    """How many records the input holds (for the progress bar's ETA), or None if unknown."""
    path = Path(path)
    try:
        if path.is_dir():
            return sum(1 for p in path.rglob("*") if p.is_file() and p.suffix.lower() in DOC_SUFFIXES)
        suffix = path.suffix.lower()
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            return pq.ParquetFile(path).metadata.num_rows
        if suffix in (".jsonl", ".ndjson", ".json"):
            with path.open("rb") as fh:
                return sum(1 for line in fh if line.strip())
    except Exception:  # the run itself reports unreadable input with a proper message
        return None
    return None


def parse_raw(raw: RawRecord) -> Brief | RecordError:
    """A raw record as a `Brief`, or the `RecordError` saying what is wrong with it."""
    if raw.kind == "json":
        try:
            text = raw.payload.decode("utf-8-sig") if isinstance(raw.payload, bytes) else raw.payload
        except UnicodeDecodeError:
            return RecordError("该行不是 UTF-8 编码", code="invalid_encoding", line=raw.line)
        return parse_line(text, raw.line)
    if raw.kind == "row":
        return parse_row(raw.payload, raw.line)
    data, rid, unit, mtime = raw.payload
    try:
        if raw.name.lower().endswith(".docx"):
            text = read_docx_text(data, raw.name)
        else:
            text = decode_text(data, Path(raw.name))
        title, body = split_title(text)
        return parse_record({"id": rid, "unit": unit, "title": title, "body": body, "submitted_at": mtime},
                            line=raw.line)
    except RecordError as err:
        err.record_id = err.record_id or rid
        return err


def iter_records(path: str | Path, *, unit: str | None = None) -> Iterator[Brief | RecordError]:
    """The briefs of a file or folder in order, a bad record as its `RecordError` in place."""
    for raw in iter_raw(Path(path), unit=unit):
        yield parse_raw(raw)


def load_briefs(path: str | Path) -> list[Brief]:
    """All briefs of a file; the first bad record raises its `RecordError`."""
    out = []
    for item in iter_records(path):
        if isinstance(item, RecordError):
            raise item
        out.append(item)
    return out
