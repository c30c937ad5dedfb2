"""Text that a database cannot hold is refused when it is assigned, in words, not by the driver.

PostgreSQL rejects a NUL character in any text and a string longer than its column;
SQLite stores both. So that both backends behave alike and no client reaches a driver
error, every String/Text attribute of every table checks its value on assignment and
raises a `StoredTextError` (a `BriefError`: 422 for the API, exit 2 for the CLI).
Lookups by a client's text (a username, a unit name) are guarded too: any statement
whose parameters hold a NUL is refused before it reaches the driver.
"""

from __future__ import annotations

from sqlalchemy import String, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

from review.errors import BriefError

# How a user calls each stored field.
LABELS = {
    "name": "单位名称", "unit": "单位名称", "username": "用户名", "title": "标题", "body": "正文",
    "text": "意见或批示内容", "description": "说明", "target": "操作对象", "idempotency_key": "Idempotency-Key",
    "category": "类别", "level": "级别", "action": "操作", "role": "角色", "status": "状态",
}


class StoredTextError(BriefError):
    """A value refused before it reaches the database: a NUL character or over the column's length."""


def install(base: type[DeclarativeBase]) -> None:
    """Check every String (and Text) column of every table mapped on `base`."""
    for mapper in base.registry.mappers:
        for column in mapper.columns:
            if isinstance(column.type, String) and column.key in mapper.attrs:
                event.listen(getattr(mapper.class_, column.key), "set",
                             _checker(column.key, column.type.length), retval=True)


def _checker(key: str, length: int | None):
    label = LABELS.get(key, key)

    def check(_target, value, _old, _initiator):
        if isinstance(value, str):
            if "\x00" in value:
                raise StoredTextError(f"{label}含有空字符(\\0),无法保存,请删去后重试", code="invalid_text")
            if length is not None and len(value) > length:
                raise StoredTextError(f"{label}超过 {length} 个字符,无法保存", code="text_too_long")
        return value

    return check


def refuse_nul_parameters(engine: Engine) -> None:
    """Refuse, on `engine`, any statement whose parameters hold a NUL character."""

    @event.listens_for(engine, "before_cursor_execute")
    def _check(_conn, _cursor, _statement, parameters, _context, executemany):
        # One row's parameters (a dict or a tuple), a list of rows (executemany), or a flat
        # tuple of every row's values (SQLAlchemy's batched "insertmanyvalues" INSERT).
        for params in (parameters if executemany else [parameters]):
            values = (params.values() if isinstance(params, dict) else
                      params if isinstance(params, (list, tuple)) else (params,))
            if any(isinstance(v, str) and "\x00" in v for v in values):
                raise StoredTextError("提交的文字含有空字符(\\0),无法保存或查询,请删去后重试", code="invalid_text")
