"""Service errors: a stable code, a Chinese message and the HTTP status, mapped in one place."""

from __future__ import annotations

from review.errors import BriefError


class ServiceError(BriefError):
    """An error the API answers with `status` and `{"code", "message"}`."""

    status = 400

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message, code=code)
        if status is not None:
            self.status = status


class NotFound(ServiceError):
    code, status = "not_found", 404


class Forbidden(ServiceError):
    code, status = "forbidden", 403


class Unauthorized(ServiceError):
    code, status = "unauthorized", 401


class Conflict(ServiceError):
    code, status = "conflict", 409


class Refused(ServiceError):
    """A request understood but refused for its content (e.g. a brief carrying a secrecy marking)."""

    code, status = "refused", 422
