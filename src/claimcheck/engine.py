"""Wire the stages: source -> Document -> Sentences -> Findings -> PageReport -> Report.

`Engine.check_document` is the whole pipeline for one page. `check_paths` streams many
inputs, in parallel when there are many, and keeps output order deterministic.
"""

from __future__ import annotations

import copy
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from itertools import islice

from claimcheck import __version__
from claimcheck.combine import apply_model, preclinical_findings, ruled_out, trigger_findings
from claimcheck.config import Config, select_rules
from claimcheck.context import ScanCache
from claimcheck.crawl import readers as _readers  # noqa: F401  (URL and audit inputs)
from claimcheck.errors import SourceError
from claimcheck.extract import extract, extract_text
from claimcheck.facts import Page, collect_mentions, label_meta, page_facts, reference_blocks
from claimcheck.i18n import output_lang
from claimcheck.lexicon import Lexicon, Rule, lexicon_for
from claimcheck.match import (
    Candidates,
    CompiledLexicon,
    PageBudget,
    PatternTimeout,
    SentenceIndex,
    Timeout,
    timed_out,
)
from claimcheck.model import (
    Document,
    FileError,
    Finding,
    Format,
    Origin,
    PageReport,
    Report,
    Severity,
    error_page,
)
from claimcheck.page_checks import CHECKS, CheckInput
from claimcheck.score import SummaryTally, grade, score
from claimcheck.segment import document_text, segment
from claimcheck.sources import RawInput, iter_inputs
from claimcheck.suppress import apply_suppressions

PARALLEL_THRESHOLD = 16
WINDOW_PER_WORKER = 8


def _applies(rule: Rule, page_type: str, jurisdictions: Sequence[str]) -> bool:
    if page_type not in rule.page_types:
        return False
    return "all" in rule.jurisdictions or any(j in rule.jurisdictions for j in jurisdictions)


def _sort_key(f: Finding) -> tuple[int, int, str]:
    return (f.line, f.column, f.code)


class Engine:
    """Checks documents against a lexicon. Build once, reuse for every page.

    `rules=None` uses every rule selected by the config; pass a list to run only those
    (tests start from a single rule).
    """

    def __init__(
        self,
        config: Config | None = None,
        lexicon: Lexicon | None = None,
        rules: Sequence[Rule] | None = None,
        *,
        prefilter: bool = True,
        keyword_filter: bool = True,
    ) -> None:
        self.config = config or Config()
        self.keyword_filter = keyword_filter  # skip WARC/ARC pages naming nothing (pagefilter)
        if lexicon is None:
            lexicon = lexicon_for(self.config.lexicons)
        self.lexicon = lexicon
        self.compiled = CompiledLexicon(lexicon, prefilter=prefilter)
        if rules is None:
            config = self.config
            rules = select_rules(
                lexicon.rules, config.select, config.ignore, config.per_file_ignores
            )
        self.rules = tuple(rules)
        self._classifier = None

    def with_page_options(
        self,
        jurisdictions: tuple[str, ...] | None,
        page_type: str | None,
        lang: str | None = None,
    ) -> Engine:
        """A copy with other jurisdictions, page type and output language (None keeps the
        configured one) that shares the compiled lexicon and rules (no recompilation):
        per-request options in `claimcheck serve`."""
        clone = copy.copy(self)
        lang = lang or self.config.lang
        clone.config = replace(
            self.config, jurisdictions=jurisdictions, page_type=page_type, lang=lang
        )
        return clone

    def with_rules(self, rules: Sequence[Rule]) -> Engine:
        """A copy that runs only `rules` and shares the compiled lexicon (no recompilation):
        rule examples run one rule at a time, and compiling the lexicon for each took
        most of `lexicon validate`'s minutes."""
        clone = copy.copy(self)
        clone.rules = tuple(rules)
        return clone

    def check_text(self, text: str, format: Format = "text", path: str = "<text>") -> PageReport:
        """Check a string (an API request, a test, a pasted draft)."""
        return self.check_document(extract_text(text, format, Origin(path=path, kind="string")))

    def check_raw(self, raw: RawInput) -> PageReport:
        """Check one input read by a source."""
        return self.check_document(extract(raw))

    def check_document(self, doc: Document) -> PageReport:
        """The pipeline for one page. A pattern timeout, or the page's time budget for
        pattern matching running out, becomes an error entry, not a crash."""
        config = self.config
        timeout = PageBudget.start(config.page_timeout, config.regex_timeout)
        try:
            sentences = segment(doc)
            text = document_text(doc)
            index = SentenceIndex(sentences)
            candidates = Candidates(sentences, self.compiled.patterns)
            mentions = collect_mentions(self.compiled, sentences, candidates, timeout)
            page = Page(doc, sentences, text, index, candidates, mentions)
            own = dict(doc.settings)  # front matter: `claimcheck:` settings for this page
            facts = page_facts(
                page,
                self.compiled,
                page_type=own.get("page_type", self.config.page_type),
                jurisdictions=own.get("jurisdiction", self.config.jurisdictions),
                timeout=timeout,
            )
            detected = doc.lang or (sentences[0].lang if sentences else "")
            out_lang = output_lang(config.lang, detected)
            page = replace(page, facts=facts, references=reference_blocks(doc), lang=out_lang)
            findings = label_meta(self._findings(page, timeout), page)
        except PatternTimeout as exc:
            return error_report(doc.path, "timeout", f"{exc}; the page was not scored", doc.format)
        except TimeoutError:  # a pattern called outside `match.iter_hits`
            why = timed_out("?", timeout)
            return error_report(doc.path, "timeout", f"{why}; the page was not scored", doc.format)
        findings, warnings = apply_suppressions(
            doc, findings, self.lexicon.rules, self.rules, self.config
        )
        findings.sort(key=_sort_key)
        value = score(findings, facts.page_type)
        lang = doc.lang or (sentences[0].lang if sentences else "en")
        return PageReport(
            path=doc.path,
            format=doc.format,
            lang=lang,
            page_type=facts.page_type,  # type: ignore[arg-type]
            page_type_reasons=facts.page_type_reasons,
            jurisdictions=facts.jurisdictions,
            jurisdiction_reasons=facts.jurisdiction_reasons,
            countries=facts.countries,
            country_reasons=facts.country_reasons,
            main_intervention=facts.main_intervention,
            main_condition=facts.main_condition,
            sentence_count=len(sentences),
            score=value,
            grade=grade(value),
            findings=tuple(findings),
            sha256=doc.origin.sha256,
            warnings=(*(f"{doc.path}:{w}" for w in doc.warnings), *warnings),
        )

    def _findings(self, page: Page, timeout: Timeout) -> list[Finding]:
        facts = page.facts
        assert facts is not None
        rules = [r for r in self.rules if _applies(r, facts.page_type, facts.jurisdictions)]
        scans = ScanCache(self.compiled.modifiers, timeout, page.candidates)
        findings = trigger_findings(rules, page, self.compiled, scans)
        for rule in rules:
            if rule.check == "preclinical_benefit":
                findings += preclinical_findings(rule, page, self.compiled, scans)
        # Benefit claims, which disclaimers and risk statements must qualify; an offer by mail
        # (CC109) is regulated but claims no benefit.
        overclaims = {r.code for r in rules if r.family == "overclaim"}
        claims = [f for f in findings if not f.suppressed and f.code in overclaims]
        for rule in rules:
            check = CHECKS.get(rule.check)
            if check:
                findings += check(CheckInput(rule, page, self.compiled, claims, timeout))
        classifier = self.classifier
        if classifier is not None and any(r.family == "overclaim" for r in rules):
            findings = apply_model(findings, page, self.compiled, classifier, rules, scans)
        return ruled_out(findings, page.lang)

    @property
    def classifier(self):
        """The sentence classifier named by `config.model`, loaded on first use (or None)."""
        if self._classifier is None and self.config.model != "none":
            from claimcheck.classify import load_named

            self._classifier = load_named(self.config.model)
        return self._classifier

    @property
    def model_version(self) -> str | None:
        """The hash of the classifier in use, recorded in reports."""
        classifier = self.classifier
        return classifier.version if classifier is not None else None


error_report = error_page  # kept under its old name for the crawl and older callers


_WORKER: Engine | None = None


def _init_worker(config: Config, keyword_filter: bool = True) -> None:
    global _WORKER
    _WORKER = Engine(config, keyword_filter=keyword_filter)


def _check_in_worker(item: RawInput) -> PageReport:
    assert _WORKER is not None
    return _safe_check(_WORKER, item)


def _safe_check(engine: Engine, item: RawInput | SourceError) -> PageReport:
    if isinstance(item, SourceError):
        return error_report(item.path, item.kind, item.detail)
    try:
        if engine.keyword_filter and getattr(item, "keyword_filter", False):
            from claimcheck.pagefilter import filtered_check

            return filtered_check(engine, item)
        return engine.check_raw(item)
    except RecursionError:
        return error_report(item.origin.path, "too_deep", "markup nested too deeply to analyse")


def cpu_count() -> int:
    """CPUs this process may run on (its affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _jobs(config: Config) -> int:
    """Worker processes: `config.jobs`, never more than the CPUs (more only add memory:
    `--jobs 24` on 2 cores started 24 workers, 2.3 GB); 0 means one per CPU."""
    cpus = cpu_count()
    return min(config.jobs, cpus) if config.jobs > 0 else cpus


def _parallel(
    engine: Engine, items: Iterator[RawInput | SourceError], jobs: int
) -> Iterator[PageReport]:
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    window: list[Future[PageReport] | PageReport] = []
    with ProcessPoolExecutor(
        jobs,
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(engine.config, engine.keyword_filter),
    ) as pool:
        for item in items:
            if isinstance(item, SourceError):
                window.append(_safe_check(engine, item))
            else:
                window.append(pool.submit(_check_in_worker, item))
            while len(window) >= jobs * WINDOW_PER_WORKER:
                yield _result(window.pop(0))
        while window:
            yield _result(window.pop(0))


def _result(entry: Future[PageReport] | PageReport) -> PageReport:
    return entry if isinstance(entry, PageReport) else entry.result()


def iter_reports(
    paths: Sequence[str], config: Config | None = None, engine: Engine | None = None
) -> Iterator[PageReport]:
    """Page reports for every input under `paths`, in input order, streaming.

    With more than PARALLEL_THRESHOLD inputs and more than one job, pages are checked in a
    process pool; memory stays flat because only a bounded window of pages is in flight.
    """
    engine = engine or Engine(config)
    config = engine.config
    items = iter_inputs(paths, include=config.include, exclude=config.exclude, base=config.root)
    head = list(islice(items, PARALLEL_THRESHOLD + 1))
    jobs = _jobs(config)
    if len(head) <= PARALLEL_THRESHOLD or jobs == 1:
        for item in _chain(head, items):
            yield _safe_check(engine, item)
        return
    yield from _parallel(engine, _chain(head, items), jobs)


def _chain(head: list, rest: Iterable) -> Iterator:
    yield from head
    yield from rest


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a run's exit code and its stderr lines depend on, without its pages: every
    page's errors, the worst active finding, and the pages scoring below `min_score`."""

    errors: tuple[FileError, ...] = ()
    worst: Severity | None = None
    below: tuple[tuple[str, int], ...] = ()


class ReportTally:
    """A run added up page by page: the summary, the pages the pre-filter skipped, and
    the `Outcome`. `build_report` adds its pages here and a streamed run (`check --format
    jsonl`, which keeps no page) does too, so their summaries and exit codes agree."""

    def __init__(self, min_score: int | None = None) -> None:
        self.summary = SummaryTally()
        self.min_score = min_score
        self.prefilter_skipped = 0
        self.errors: list[FileError] = []
        self.worst: Severity | None = None
        self.below: list[tuple[str, int]] = []

    def add(self, page: PageReport) -> bool:
        """Count one page; False for a page the pre-filter skipped (counted, never listed)."""
        if page.prefilter_skipped:
            self.prefilter_skipped += 1
            return False
        self.summary.add(page)
        self.errors.extend(page.errors)
        for f in page.active_findings:
            if self.worst is None or f.severity > self.worst:
                self.worst = f.severity
        floor = self.min_score
        if floor is not None and page.score is not None and page.score < floor:
            self.below.append((page.path, page.score))
        return True

    def report(self, engine: Engine, files: tuple[PageReport, ...] = ()) -> Report:
        """The Report of the pages added so far, listing `files` (none for a stream)."""
        return Report(
            files=files,
            summary=self.summary.summary(),
            tool_version=__version__,
            lexicon_version=engine.lexicon.version,
            model_version=engine.model_version,
            prefilter_skipped=self.prefilter_skipped,
        )

    def outcome(self) -> Outcome:
        """The errors, worst finding and low scores of the pages added so far."""
        return Outcome(tuple(self.errors), self.worst, tuple(self.below))


def tally_pages(
    pages: Iterable[PageReport],
    progress: Callable[[PageReport], None] | None = None,
    tally: ReportTally | None = None,
) -> tuple[ReportTally, tuple[PageReport, ...]]:
    """Add `pages` to a tally, calling `progress` on each: with no `tally` given, a new one
    and the pages it counted (skipped ones left out); with one, that tally and no page
    kept (a streamed run, whose memory must not grow with its pages)."""
    keep = tally is None
    tally = tally or ReportTally()
    kept: list[PageReport] = []
    for page in pages:
        if progress:
            progress(page)
        if tally.add(page) and keep:
            kept.append(page)
    return tally, tuple(kept)


def outcome_of(pages: Iterable[PageReport], min_score: int | None = None) -> Outcome:
    """The `Outcome` of pages a run kept (its report's files), as a stream tallies it."""
    tally, _ = tally_pages(pages, tally=ReportTally(min_score))
    return tally.outcome()


def build_report(pages: Iterable[PageReport], engine: Engine) -> Report:
    """Collect page reports into the Report every renderer prints; pages the keyword
    pre-filter skipped are counted, not listed."""
    tally, kept = tally_pages(pages)
    return tally.report(engine, kept)


def check_paths(
    paths: Sequence[str],
    config: Config | None = None,
    progress: Callable[[PageReport], None] | None = None,
    keyword_filter: bool = True,
    tally: ReportTally | None = None,
) -> Report:
    """Check files, directories or '-' (stdin) and return the full report. With
    `keyword_filter`, WARC/ARC pages that name nothing of the lexicon are skipped. With a
    `tally`, pages are added to it and not kept (a streamed run: memory does not grow with
    the pages), and the report lists no files."""
    engine = Engine(config, keyword_filter=keyword_filter)
    tally, kept = tally_pages(iter_reports(paths, engine=engine), progress, tally)
    return tally.report(engine, kept)
