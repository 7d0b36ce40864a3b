"""Fetch one page by URL for `claimcheck serve --allow-fetch`, without SSRF.

The host is resolved first and refused unless every address is public (not private,
loopback, link-local, reserved, multicast or unspecified); the connection then goes to
the address that was checked, so a second DNS answer cannot redirect it. Redirects are
followed (at most MAX_REDIRECTS), each one checked again. Size is capped, and so is time:
`DEADLINE` bounds the whole fetch (connect, redirects, headers and body), not one socket
read, so a server that drips a byte every few seconds is cut off at the deadline.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from urllib.parse import urljoin, urlsplit

from claimcheck import __version__
from claimcheck.errors import ClaimcheckError

USER_AGENT = f"claimcheck/{__version__}"
TIMEOUT = 10.0
"""Seconds one connect or socket read may take."""
DEADLINE = 15.0
"""Seconds a whole fetch may take, redirects included."""
MAX_REDIRECTS = 3
_CHUNK = 64 * 1024


class FetchError(ClaimcheckError):
    """A URL was refused or could not be fetched."""


def is_public_address(address: str) -> bool:
    """True when an IP address is globally routable (an IPv4-mapped IPv6 counts as IPv4)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    blocked = (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )
    return ip.is_global and not blocked


def resolve_public(host: str, port: int) -> str:
    """Resolve `host` and return an address to connect to; FetchError unless every
    address it resolves to is public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve {host!r}: {exc}") from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses or not all(is_public_address(a) for a in addresses):
        raise FetchError(f"refused: {host!r} is not a public address")
    return addresses[0]


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str) -> None:
        super().__init__(host, port, timeout=TIMEOUT)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str) -> None:
        super().__init__(host, port, timeout=TIMEOUT, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def fetch_url(url: str, max_bytes: int, deadline: float = DEADLINE) -> tuple[str, bytes]:
    """GET `url` and return (final URL, body); FetchError when refused, failing, too big or
    slower than `deadline` seconds in all."""
    end = time.monotonic() + deadline
    for _ in range(MAX_REDIRECTS + 1):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError("only http:// and https:// URLs can be fetched")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = resolve_public(parts.hostname, port)
        cls = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
        conn = cls(parts.hostname, port, address)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        watchdog = None
        try:
            conn.timeout = _remaining(end)
            conn.connect()
            watchdog = _cut_at(conn, end)
            conn.request("GET", target, headers={"User-Agent": USER_AGENT, "Accept": "text/*"})
            response = conn.getresponse()
            if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                url = urljoin(url, response.getheader("Location", ""))
                continue
            if response.status != 200:
                raise FetchError(f"the page answered HTTP {response.status}")
            body = _read_body(conn, response, max_bytes, end)
        except (OSError, http.client.HTTPException) as exc:
            if isinstance(exc, TimeoutError) or time.monotonic() >= end:
                raise FetchError(f"the page took longer than {deadline:g} s") from None
            raise FetchError(f"cannot fetch the page: {exc.__class__.__name__}") from None
        finally:
            if watchdog is not None:
                watchdog.cancel()
            conn.close()
        return url, body
    raise FetchError("too many redirects")


def _remaining(end: float) -> float:
    """Seconds left before `end`, at most TIMEOUT; TimeoutError when none are."""
    left = end - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return min(TIMEOUT, left)


def _cut_at(conn: http.client.HTTPConnection, end: float) -> threading.Timer:
    """A timer that shuts the connection's socket at `end`, so no read (headers
    included) can outlive the deadline, however slowly the server drips bytes."""
    sock = conn.sock

    def cut() -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(max(0.0, end - time.monotonic()), cut)
    timer.daemon = True
    timer.start()
    return timer


def _read_body(
    conn: http.client.HTTPConnection,
    response: http.client.HTTPResponse,
    max_bytes: int,
    end: float,
) -> bytes:
    """Read the body in chunks, each socket wait bounded by what is left of the deadline."""
    chunks: list[bytes] = []
    size = 0
    while True:
        if conn.sock is not None:
            conn.sock.settimeout(_remaining(end))
        chunk = response.read1(_CHUNK)
        if not chunk:
            _remaining(end)  # an end of data caused by the watchdog is a timeout
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"the page is over the {max_bytes}-byte limit")
        chunks.append(chunk)
