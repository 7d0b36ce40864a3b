"""Score an audit directory from its WARC alone: every parsed page, then the site."""

from __future__ import annotations

from contextlib import suppress

from claimcheck.config import Config
from claimcheck.crawl.archive import iter_audit_inputs
from claimcheck.engine import Engine, build_report, error_report
from claimcheck.errors import SourceError
from claimcheck.extract import extract
from claimcheck.model import PageReport, Report
from claimcheck.segment import document_text
from claimcheck.site import SiteDetails, site_report
from claimcheck.sources import RawInput


def _check(
    engine: Engine,
    details: SiteDetails,
    item: RawInput | SourceError,
    texts: dict[str, str] | None = None,
) -> PageReport:
    if isinstance(item, SourceError):
        return error_report(item.path, item.kind, item.detail)
    try:
        doc = extract(item)
        page = engine.check_document(doc)
        if texts is not None:
            texts[item.origin.path] = document_text(doc)
    except RecursionError:
        return error_report(item.origin.path, "too_deep", "markup nested too deeply to analyse")
    with suppress(TimeoutError):  # a pathological page's details do not count site-wide
        details.observe(doc)
    return page


def audit_report(
    directory: str, config: Config | None = None, texts: dict[str, str] | None = None
) -> Report:
    """The report of an audit: each page named by its URL, site duties applied, a site score.

    Pages are streamed from the WARC one at a time; only page reports are kept (and, when
    `texts` is a dict, each page's extracted text by URL, for the HTML report). Nothing is
    fetched.
    """
    engine = Engine(config)
    details = SiteDetails(engine)
    pages = [_check(engine, details, item, texts) for item in iter_audit_inputs(directory)]
    return site_report(build_report(pages, engine), details)
