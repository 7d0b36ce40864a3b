"""Which URLs belong to an audit: normalisation and same-site scope.

A site is its registrable domain (``clinic.example.mx`` and ``www.clinic.example.mx`` are
one site), taken from the public suffix list bundled with tldextract (never fetched). An IP
address or a single-label host such as ``localhost`` has no registrable domain: there the
site is the exact host and port.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urlsplit

from w3lib.url import canonicalize_url

from claimcheck.errors import CrawlError

_SCHEMES = ("http", "https")
_DEFAULT_PORTS = {"http": 80, "https": 443}


@lru_cache(maxsize=1)
def _extractor():
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)  # offline snapshot


def normalise_url(url: str) -> str:
    """Canonical form used for de-duplication: lower-case scheme and host, no default
    port, no fragment, sorted query arguments, percent-encoding normalised."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in _SCHEMES or not parts.hostname:
        raise CrawlError(f"not an http(s) URL: {url!r}")
    netloc = parts.hostname.lower()
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if parts.port and parts.port != _DEFAULT_PORTS[parts.scheme.lower()]:
        netloc += f":{parts.port}"
    path = parts.path or "/"
    rebuilt = f"{parts.scheme.lower()}://{netloc}{path}" + (
        f"?{parts.query}" if parts.query else ""
    )
    return canonicalize_url(rebuilt, keep_fragments=False)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def site_key(url: str) -> str:
    """The registrable domain of `url`, or `host:port` for IPs and single-label hosts."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if _is_ip(host) or "." not in host:
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme, 0)
        return f"{host}:{port}"
    parts = _extractor()(host)
    if hasattr(parts, "top_domain_under_public_suffix"):  # tldextract >= 5.3
        domain = parts.top_domain_under_public_suffix
    else:
        domain = parts.registered_domain
    return domain or host


class Scope:
    """Same-site test for a crawl: the seed's site plus explicitly allowed hosts."""

    def __init__(self, seed: str, allow_hosts: Iterable[str] = ()) -> None:
        self.site = site_key(seed)
        self.allow_hosts = tuple(h.lower().strip() for h in allow_hosts if h.strip())

    def __contains__(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme not in _SCHEMES or not parts.hostname:
            return False
        if site_key(url) == self.site:
            return True
        host = parts.hostname.lower()
        netloc = parts.netloc.lower()
        return any(host == h or netloc == h or host.endswith("." + h) for h in self.allow_hosts)
