"""ASGI middleware in front of the whole app: body size and time limits, security
headers, and a generic 500 that reveals and logs nothing of the request."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("claimcheck.web")

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]


class BodyTooLarge(Exception):
    """The request body went over the limit while it was being read."""


class BodyTooSlow(Exception):
    """The client did not send the whole body within the body timeout (slowloris)."""


def error_body(code: str, message: str) -> bytes:
    """The JSON error document every 4xx/5xx of the API uses."""
    return json.dumps({"error": {"code": code, "message": message}}).encode()


class Guard:
    """Rejects bodies over `max_body` bytes (by Content-Length before reading, or while
    streaming) and bodies not complete `body_timeout` seconds after the request arrived
    (408), adds the security headers, and turns any unexpected exception into a generic
    JSON 500, logging only the exception type and the route."""

    def __init__(self, app: ASGIApp, max_body: int, body_timeout: float = 20.0) -> None:
        self.app = app
        self.max_body = max_body
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        html = not scope["path"].startswith("/api/")

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [h for h in message.get("headers", []) if h[0] not in _NAMES]
                message = {**message, "headers": [*headers, *SECURITY_HEADERS]}
            await send(message)

        length = _content_length(scope)
        if length is not None and length > self.max_body:
            await _plain_error(send_with_headers, 413, "too_large", self._too_large(), html)
            return
        received, complete = 0, False
        body_deadline = time.monotonic() + self.body_timeout

        async def limited_receive() -> Message:
            nonlocal received, complete
            if complete:
                return await receive()
            left = body_deadline - time.monotonic()
            try:
                message = await asyncio.wait_for(receive(), max(left, 0.0))
            except TimeoutError:
                raise BodyTooSlow from None
            received += len(message.get("body", b""))
            if received > self.max_body:
                raise BodyTooLarge
            complete = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except BodyTooLarge:
            if not started:
                await _plain_error(send_with_headers, 413, "too_large", self._too_large(), html)
        except BodyTooSlow:
            if not started:
                message = f"the request body took longer than {self.body_timeout:g} s"
                await _plain_error(send_with_headers, 408, "body_timeout", message, html)
        except Exception as exc:  # never a traceback, never the submitted text
            name = type(exc).__name__
            log.error("internal error (%s) on %s %s", name, scope["method"], scope["path"])
            if not started:
                await _plain_error(
                    send_with_headers, 500, "internal", "internal server error", html
                )

    def _too_large(self) -> str:
        return f"the request is over the {self.max_body // (1024 * 1024)} MB limit"


_NAMES = {name for name, _ in SECURITY_HEADERS}


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _plain_error(send: Any, status: int, code: str, message: str, html: bool) -> None:
    if html:
        body = (
            f'<!doctype html><html lang="en"><meta charset="utf-8"><title>{status}</title>'
            f'<p>{message}. <a href="/">Back</a></p></html>'
        ).encode()
        kind = b"text/html; charset=utf-8"
    else:
        body, kind = error_body(code, message), b"application/json"
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
