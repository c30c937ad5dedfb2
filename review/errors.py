"""Domain errors: each carries a stable code for programs and a Chinese message for users."""

from __future__ import annotations


class BriefError(Exception):
    """Base class of all errors the engine reports to a user.

    `code` is stable (programs match on it); `message` is Chinese, for the user.
    """

    code = "brief_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def to_dict(self) -> dict:
        """The error as the JSON object written in place of a review."""
        return {"code": self.code, "message": self.message}


class RecordError(BriefError):
    """A brief record that cannot be read: missing field, wrong type, bad date."""

    code = "invalid_record"

    def __init__(self, message: str, *, record_id: str | None = None, field: str | None = None,
                 code: str | None = None, line: int | None = None) -> None:
        super().__init__(message, code=code)
        self.record_id = record_id
        self.field = field
        self.line = line

    def to_dict(self) -> dict:
        out = super().to_dict()
        for key in ("record_id", "field", "line"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"第{self.line}行")
        if self.record_id:
            where.append(f"记录 {self.record_id}")
        if self.field:
            where.append(f"字段 {self.field}")
        prefix = ",".join(where)
        return f"{prefix}:{self.message}" if prefix else self.message


class ConfigError(BriefError):
    """A configuration file that does not match the documented keys and types."""

    code = "invalid_config"


class ModelError(BriefError):
    """A model directory that is missing, incomplete or does not match its metadata."""

    code = "invalid_model"
