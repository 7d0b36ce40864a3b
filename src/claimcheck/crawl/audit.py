"""Score an audit directory from its WARC alone: every parsed page, then the site."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import replace

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
    directory: str,
    config: Config | None = None,
    texts: dict[str, str] | None = None,
    engine: Engine | None = None,
) -> Report:
    """The report of an audit: each page named by its URL, site duties applied, a site score.

    Pages are streamed from the WARC one at a time; only page reports are kept (and, when
    `texts` is a dict, each page's extracted text by URL, for the HTML report). Nothing is
    fetched. A sweep passes one `engine` (built from `config`) for all its sites, because
    building one costs seconds.
    """
    engine = engine or Engine(config)
    details = SiteDetails(engine)
    pages = [_check(engine, details, item, texts) for item in iter_audit_inputs(directory)]
    pages = _carry_site_nature(directory, engine, pages)
    return site_report(build_report(pages, engine), details)


def seller_site(pages: list[PageReport]) -> bool:
    """True when the site sells: most of its typed pages are commercial, or its first page
    (the seed, usually the home page) is."""
    typed = [p for p in pages if p.page_type in ("commercial", "editorial")]
    commercial = sum(p.page_type == "commercial" for p in typed)
    first = next(iter(typed), None)
    return bool(typed) and (
        commercial * 2 > len(typed) or (first is not None and first.page_type == "commercial")
    )


def _carry_site_nature(directory: str, engine: Engine, pages: list[PageReport]) -> list[PageReport]:
    """On a seller's site every page is the seller's advertising: its blog posts, FAQ and
    short pages are re-checked as commercial, so their disclaimer and permit duties run.
    A page type forced by the configuration is left alone."""
    if engine.config.page_type or not seller_site(pages):
        return pages
    redo = {p.path for p in pages if p.score is not None and p.page_type != "commercial"}
    if not redo:
        return pages
    commercial = engine.with_page_options(engine.config.jurisdictions, "commercial")
    reason = (
        f"site: {sum(p.page_type == 'commercial' for p in pages)} of {len(pages)} pages of "
        "this site sell a treatment, so this page is the seller's advertising too"
    )
    redone: dict[str, PageReport] = {}
    for item in iter_audit_inputs(directory):
        if isinstance(item, RawInput) and item.origin.path in redo:
            page = _check(commercial, SiteDetails(commercial), item)
            redone[page.path] = replace(page, page_type_reasons=(reason,))
    return [redone.get(p.path, p) for p in pages]
