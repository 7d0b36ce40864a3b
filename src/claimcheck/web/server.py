"""The uvicorn server behind `claimcheck serve`, with a deadline on request headers.

uvicorn times out idle keep-alive connections but not a client that sends its request
line and headers one byte at a time (slowloris). `TimedH11Protocol` closes a connection
whose request head is not complete `header_timeout` seconds after the connection opened or
the previous answer ended; `limit_concurrency` answers 503 beyond `MAX_CONNECTIONS`.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

MAX_CONNECTIONS = 64
"""Open connections and running requests beyond this get 503 from uvicorn."""


class TimedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol plus a deadline on each request's head."""

    header_timeout = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock for the first request's head."""
        super().connection_made(transport)
        self._header_timer: asyncio.TimerHandle | None = None
        self._arm_header_timer()

    def on_response_complete(self) -> None:
        """Start the clock again for the next request on a kept-alive connection."""
        super().on_response_complete()
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the clock."""
        if self._header_timer is not None:
            self._header_timer.cancel()
        super().connection_lost(exc)

    def _arm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
        self._header_timer = self.loop.call_later(self.header_timeout, self._header_timed_out)

    def _header_timed_out(self) -> None:
        """Close the connection if the request head has still not arrived."""
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def server_config(app: Any, host: str, port: int, header_timeout: float) -> uvicorn.Config:
    """The uvicorn configuration `claimcheck serve` (and the tests) run the app with."""
    protocol = type("TimedH11", (TimedH11Protocol,), {"header_timeout": header_timeout})
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol,
        log_level="warning",
        access_log=False,
        limit_concurrency=MAX_CONNECTIONS,
        timeout_keep_alive=5,
        timeout_graceful_shutdown=5,
    )
