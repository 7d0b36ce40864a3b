"""The crawl package's input readers, plugged into `sources.iter_inputs`: a URL fetched
once (standard library only), an audit directory read back from its WARC, and any WARC
or ARC file named on the command line.

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
    """A directory written by `claimcheck crawl`: its pages come from the WARC. A sweep
    (`crawl --sites`) is read site after site, in sweep order."""

    def accepts(self, path: str) -> bool:
        """True for a directory whose manifest.json says it is an audit, or a sweep."""
        if os.path.isfile(os.path.join(path, "sweep.json")):
            from claimcheck.crawl.sweep import is_sweep_dir

            return is_sweep_dir(path)
        if not os.path.isfile(os.path.join(path, "manifest.json")):
            return False
        from claimcheck.crawl.archive import is_audit_dir

        return is_audit_dir(path)

    def read(self, path: str, max_bytes: int) -> Iterator[RawInput | SourceError]:
        """Every archived page (the archive's own size limits apply, not `max_bytes`)."""
        from claimcheck.crawl.archive import iter_audit_inputs
        from claimcheck.crawl.sweep import is_sweep_dir, sweep_site_dirs

        for directory in sweep_site_dirs(path) if is_sweep_dir(path) else [path]:
            yield from iter_audit_inputs(directory)


class WarcFileReader:
    """A named .warc, .warc.gz, .arc or .arc.gz file: its HTML and text responses
    (crawl/warcfile.py; warcio comes with the `crawl` extra)."""

    def accepts(self, path: str) -> bool:
        """True for a regular file whose name ends in a WARC or ARC suffix (any case)."""
        name = path.lower()
        return name.endswith((".warc", ".warc.gz", ".arc", ".arc.gz")) and os.path.isfile(path)

    def read(self, path: str, max_bytes: int) -> Iterator[RawInput | SourceError]:
        """Every page of the file, streamed one record at a time."""
        try:
            from claimcheck.crawl.warcfile import iter_warc_inputs
        except ImportError:
            yield SourceError(path, "unreadable", "reading WARC files needs claimcheck[crawl]")
            return
        yield from iter_warc_inputs(path, max_bytes)


register_reader(UrlReader())
register_reader(AuditReader())
register_reader(WarcFileReader())
