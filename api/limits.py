"""The request body limit, enforced on the bytes received rather than on what a client declares.

A Content-Length over the limit is answered before anything is read. A body sent without
one (chunked) or longer than declared is counted as it arrives, and reading stops at the
first byte past the limit: the route never sees more, whatever the client sends.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(HTTPException):
    """Raised while a body is read, once it passes the limit; answered 413 `payload_too_large`."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, detail=f"请求内容超过 {limit} 字节的上限")


class BodyLimit:
    """Pure ASGI middleware counting each request's body bytes against `max_bytes`."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length", b"")
        limit = self.max_bytes
        if declared.isdigit() and int(declared) > limit:
            async def refuse() -> Message:
                raise BodyTooLarge(limit)

            await self.app(scope, refuse, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)
