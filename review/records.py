"""One brief record: its validation, and a draft for a self-check (files of records: `review.readers`).

A record is `{id, unit, title, body, submitted_at, event_at?}` with ISO 8601 times (no
offset means Asia/Shanghai); labelled records add `categories`, `urgent` and `adoption`.
Every problem is a `RecordError` naming the record and field, with a Chinese message.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping

from review import clock
from review.brief import ADOPTION_LEVELS, CATEGORIES, INSTRUCTION_LEVELS, Adoption, Brief, Labels
from review.errors import RecordError
from review.wordfile import read_docx_text

MAX_FIELD_CHARS = 200_000


def parse_time(value: Any, *, field: str, record_id: str | None = None, line: int | None = None) -> datetime:
    """An ISO 8601 string as an aware datetime; no offset means Asia/Shanghai."""
    if not isinstance(value, str):
        raise RecordError(f"{field} 应为 ISO 8601 时间字符串,例如 2026-03-05T10:30:00",
                          record_id=record_id, field=field, code="invalid_type", line=line)
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise RecordError(f"{field} 不是有效的时间:{value!r},应为 ISO 8601 格式,例如 2026-03-05T10:30:00",
                          record_id=record_id, field=field, code="invalid_date", line=line) from None
    return clock.localize(parsed)


def _text_field(record: Mapping[str, Any], name: str, *, rid: str | None, line: int | None,
                required: bool) -> str:
    if name not in record or record[name] is None:
        if required:
            raise RecordError(f"缺少必填字段 {name}", record_id=rid, field=name, code="missing_field", line=line)
        return ""
    value = record[name]
    if not isinstance(value, str):
        raise RecordError(f"字段 {name} 应为文本", record_id=rid, field=name, code="invalid_type", line=line)
    if len(value) > MAX_FIELD_CHARS:
        raise RecordError(f"字段 {name} 超过 {MAX_FIELD_CHARS} 字,无法处理", record_id=rid, field=name,
                          code="field_too_large", line=line)
    return value.replace("\r\n", "\n").strip()


def _labels(record: Mapping[str, Any], *, rid: str, line: int | None) -> Labels | None:
    if "categories" not in record or record["categories"] in (None, [], ""):
        return None
    cats = record["categories"]
    if isinstance(cats, str):
        cats = [c.strip() for c in cats.replace("|", ";").replace(",", ";").split(";") if c.strip()]
    if not isinstance(cats, list) or not all(isinstance(c, str) for c in cats):
        raise RecordError("categories 应为类别列表,例如 [\"problem\", \"proposal\"]",
                          record_id=rid, field="categories", code="invalid_type", line=line)
    unknown = [c for c in cats if c not in CATEGORIES]
    if unknown:
        raise RecordError(f"未知类别 {unknown[0]!r},可用:{'、'.join(CATEGORIES)}",
                          record_id=rid, field="categories", code="invalid_value", line=line)
    urgent = record.get("urgent", False)
    if isinstance(urgent, str) and urgent.strip().lower() in ("true", "1", "false", "0", ""):
        urgent = urgent.strip().lower() in ("true", "1")
    if not isinstance(urgent, bool):
        raise RecordError("urgent 应为 true 或 false", record_id=rid, field="urgent",
                          code="invalid_type", line=line)
    adoption = None
    raw = record.get("adoption")
    if raw is None and ("adoption_level" in record or "instruction" in record):
        raw = {"level": record.get("adoption_level") or "none", "instruction": record.get("instruction") or "none"}
    if raw is not None:
        if not isinstance(raw, Mapping):
            raise RecordError("adoption 应为对象,例如 {\"level\": \"city\", \"instruction\": \"none\"}",
                              record_id=rid, field="adoption", code="invalid_type", line=line)
        level = raw.get("level", "none")
        instruction = raw.get("instruction", "none")
        if level not in ADOPTION_LEVELS:
            raise RecordError(f"adoption.level 应为 {'、'.join(ADOPTION_LEVELS)} 之一",
                              record_id=rid, field="adoption.level", code="invalid_value", line=line)
        if instruction not in INSTRUCTION_LEVELS:
            raise RecordError(f"adoption.instruction 应为 {'、'.join(INSTRUCTION_LEVELS)} 之一",
                              record_id=rid, field="adoption.instruction", code="invalid_value", line=line)
        adoption = Adoption(level=level, instruction=instruction)
    dup = record.get("duplicate_of")
    return Labels(categories=tuple(dict.fromkeys(cats)), urgent=urgent, adoption=adoption,
                  duplicate_of=dup if isinstance(dup, str) else None)


def parse_record(record: Any, *, line: int | None = None, default_submitted_at: datetime | None = None) -> Brief:
    """Validate one record (a mapping from JSON or CSV) and build a `Brief`."""
    if not isinstance(record, Mapping):
        raise RecordError("每条记录应为 JSON 对象", code="invalid_type", line=line)
    raw_id = record.get("id")
    if raw_id is None or raw_id == "":
        raise RecordError("缺少必填字段 id", field="id", code="missing_field", line=line)
    if isinstance(raw_id, bool) or not isinstance(raw_id, (str, int)):
        raise RecordError("字段 id 应为文本", field="id", code="invalid_type", line=line)
    rid = str(raw_id).strip()
    unit = _text_field(record, "unit", rid=rid, line=line, required=True)
    if not unit:
        raise RecordError("报送单位 unit 不能为空", record_id=rid, field="unit", code="missing_field", line=line)
    title = _text_field(record, "title", rid=rid, line=line, required=False)
    body = _text_field(record, "body", rid=rid, line=line, required=False)
    if not title and not body:
        raise RecordError("标题和正文均为空,没有可审核的内容", record_id=rid, field="body",
                          code="empty_brief", line=line)
    if record.get("submitted_at") in (None, ""):
        if default_submitted_at is None:
            raise RecordError("缺少必填字段 submitted_at(报送时间)", record_id=rid, field="submitted_at",
                              code="missing_field", line=line)
        submitted_at = default_submitted_at
    else:
        submitted_at = parse_time(record["submitted_at"], field="submitted_at", record_id=rid, line=line)
    event_at = None
    if record.get("event_at") not in (None, ""):
        event_at = parse_time(record["event_at"], field="event_at", record_id=rid, line=line)
    return Brief(id=rid, unit=unit, title=title, body=body, submitted_at=submitted_at, event_at=event_at,
                 labels=_labels(record, rid=rid, line=line))


def decode_text(data: bytes, path: Path) -> str:
    """A file's bytes as text (UTF-8, with or without BOM), or `invalid_encoding` naming the byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RecordError(f"文件 {path.name} 不是 UTF-8 编码(第 {exc.start} 字节处),请另存为 UTF-8 后重试",
                          code="invalid_encoding") from None


def parse_line(raw: str, number: int) -> Brief | RecordError:
    """One JSON Lines record (line `number`) as a `Brief`, or the `RecordError` saying what is wrong."""
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        return RecordError(f"不是有效的 JSON:{exc.msg}(第 {exc.colno} 列)", code="invalid_json", line=number)
    try:
        return parse_record(obj, line=number)
    except RecordError as err:
        return err


def parse_row(row: Mapping[str, Any], number: int) -> Brief | RecordError:
    """One CSV or Parquet row (empty cells left out) as a `Brief`, or its `RecordError`."""
    if None in row:
        return RecordError("该行的列数多于表头", code="invalid_csv", line=number)
    clean = {k: v for k, v in row.items() if v is not None}
    try:
        return parse_record(clean, line=number)
    except RecordError as err:
        return err


def split_title(text: str) -> tuple[str, str]:
    """First non-empty line is the title, the rest the body (the `.txt` draft convention)."""
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n")]
    lines = [line for line in lines if line]
    if not lines:
        return "", ""
    return lines[0], "\n".join(lines[1:])


def read_draft(path: str | Path | None, data: bytes | None = None, *, title: str | None = None,
               unit: str | None = None, submitted_at: datetime | None = None) -> Brief:
    """One draft for a self-check: `.txt` (first line title), `.docx`, or a `.json` record."""
    name = Path(path).name if path else "标准输入"
    suffix = Path(path).suffix.lower() if path else ".txt"
    if data is None:
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError:
            raise RecordError(f"找不到文件:{path}", code="file_not_found") from None
    if not data.strip():
        raise RecordError(f"{name} 是空文件,没有可审核的内容", code="empty_brief")
    now = submitted_at or clock.now()
    if suffix == ".json":
        try:
            obj = json.loads(decode_text(data, Path(name)))
        except json.JSONDecodeError as exc:
            raise RecordError(f"{name} 不是有效的 JSON:{exc.msg}", code="invalid_json") from None
        if isinstance(obj, dict):
            obj.setdefault("id", "draft")
            obj.setdefault("unit", unit or "未填写单位")
            if title is not None:
                obj["title"] = title
        return parse_record(obj, default_submitted_at=now)
    if suffix == ".docx":
        text = read_docx_text(data, name)
    elif suffix in (".txt", ".md", ""):
        text = decode_text(data, Path(name))
    else:
        raise RecordError(f"不支持的文件类型 {suffix},请使用 .txt、.docx 或 .json", code="unsupported_format")
    first, rest = split_title(text)
    if title is not None:
        head, body = title, "\n".join(x for x in (first, rest) if x)
    else:
        head, body = first, rest
    record = {"id": "draft", "unit": unit or "未填写单位", "title": head, "body": body}
    return parse_record(record, default_submitted_at=now)
