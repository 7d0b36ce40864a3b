"""The crawl package's input readers, plugged into `sources.iter_inputs`: a URL fetched
once (standard library only) and an audit directory read back from its WARC.

`claimcheck.engine` imports this module; `sources` never imports the crawl package, so
readers depend on sources and not the other way round.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from claimcheck.errors import SourceError
from claimcheck.sources import RawInput, register_reader


class UrlReader:
    """An http(s) URL given as input: one GET, nothing archived."""

    def accepts(self, path: str) -> bool:
        """True for an http(s) URL."""
        return path.lower().startswith(("http://", "https://"))

    def read(self, path: str, max_bytes: int) -> Iterator[RawInput | SourceError]:
        """The fetched page, or the fetch error."""
        from claimcheck.crawl.fetch import fetch_url

        try:
            yield fetch_url(path, max_bytes=max_bytes)
        except SourceError as exc:
            yield exc


class AuditReader:
    """A directory written by `claimcheck crawl`: its pages come from the WARC."""

    def accepts(self, path: str) -> bool:
        """True for a directory whose manifest.json says it is an audit."""
        if not os.path.isfile(os.path.join(path, "manifest.json")):
            return False
        from claimcheck.crawl.archive import is_audit_dir

        return is_audit_dir(path)

    def read(self, path: str, max_bytes: int) -> Iterator[RawInput | SourceError]:
        """Every archived page (the archive's own size limits apply, not `max_bytes`)."""
        from claimcheck.crawl.archive import iter_audit_inputs

        yield from iter_audit_inputs(path)


register_reader(UrlReader())
register_reader(AuditReader())
