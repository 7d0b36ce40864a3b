"""Small local servers for the tests, each on 127.0.0.1 and stopped by the test that
started it: a quiet request handler, a threaded HTTP server as a context manager, a
server that drips its answer, and a uvicorn app in a thread.

Decision: the tests share these instead of each writing its own; nothing here imports
pytest or claimcheck, so benchmarks/redis_crawl.py can import it too (see
tests/redis_support.py).
"""

from __future__ import annotations

import functools
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (for servers that cannot bind port 0)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that logs nothing and answers whole bodies with `reply`."""

    def reply(self, status: int, body: bytes, ctype: str) -> None:
        """Send `body` with its Content-Type and Content-Length."""
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return None


class QuietServer(ThreadingHTTPServer):
    """A threaded HTTP server whose broken connections (a client killed or cut off by a
    deadline on purpose) are not printed."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None


def start_server(handler: type[BaseHTTPRequestHandler]) -> QuietServer:
    """Serve `handler` on a free 127.0.0.1 port in a daemon thread; the server (stop it
    with shutdown() and server_close())."""
    server = QuietServer(("127.0.0.1", 0), handler)
    serve = functools.partial(server.serve_forever, poll_interval=0.05)  # a quick shutdown
    threading.Thread(target=serve, daemon=True).start()
    return server


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve `handler` on a free 127.0.0.1 port in a thread; the base URL
    (http://127.0.0.1:PORT, no slash), the server shut down on exit."""
    server = start_server(handler)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class DripHandler(BaseHTTPRequestHandler):
    """Answers 200 and then one body byte every `gap` seconds, for ever (Content-Length
    promises 100,000); with `head_drip`, one header line every `gap` seconds instead."""

    gap = 5.0
    head_drip = False
    content_type = "text/plain"

    def do_GET(self) -> None:
        try:
            if self.head_drip:
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                self._drip(b"X: y\r\n")
            self.send_response(200)
            self.send_header("Content-Type", self.content_type)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self._drip(b"a")
        except OSError:  # the client gave up: that is what the tests want
            return

    def _drip(self, chunk: bytes) -> None:
        while True:
            self.wfile.write(chunk)
            self.wfile.flush()
            time.sleep(self.gap)

    def log_message(self, *args: object) -> None:
        return None


def drip_handler(
    gap: float, head: bool = False, content_type: str = "text/plain"
) -> type[DripHandler]:
    """A DripHandler with these settings, for `serving`."""
    settings = {"gap": gap, "head_drip": head, "content_type": content_type}
    return type("Drip", (DripHandler,), settings)


@contextmanager
def uvicorn_serving(config: Callable[[int], Any], stop_wait: float = 15) -> Iterator[str]:
    """Run a uvicorn server in a thread on a free 127.0.0.1 port (`config(port)` makes
    its uvicorn.Config) once it has started; its base URL; asked to exit after."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(config(port))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(stop_wait)
