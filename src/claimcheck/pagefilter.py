"""The keyword pre-filter for archives: skip a page that cannot produce a finding.

Common Crawl segments are mostly pages about anything but health care. Before the full
engine, a page read from a WARC/ARC file (crawl/warcfile.py) is extracted and its text is
run through RE2 sets of the lexicon patterns without which no finding can arise: the
interventions, conditions and "our treatment" anaphora, every rule's own triggers and the
animal/laboratory qualifiers (start patterns), and the seller cues that, together with a
jurisdiction cue, make a page owe permits and disclosures. A page with none of them is
skipped and counted, not reported (`engine.build_report`).

Naming no treatment and no condition is not enough: "100% guaranteed results, no side
effects" or a Mexican clinic page without a COFEPRIS permit gets findings without naming
either, so the sets are wider than the mentions (docs/warc.md says what keeps a page and
why). The relaxed RE2 patterns match at least what the exact ones match (prefilter.py), so
a skipped page is one the engine would have reported without findings;
tests/test_warcfile.py checks this property.
"""

from __future__ import annotations

import re
from functools import lru_cache

from claimcheck.extract import extract
from claimcheck.facts import MIN_SENTENCES, _page_type_groups
from claimcheck.match import CompiledLexicon
from claimcheck.model import Document, PageReport, unchecked_page
from claimcheck.prefilter import PatternSet
from claimcheck.segment import document_text, segment
from claimcheck.sources import RawInput

PRECLINICAL = "preclinical_benefit"
NONHUMAN = "NONHUMAN"
DIRECTIVE = "claimcheck"
_WORD = re.compile(r"[^\W_]")  # a letter or digit
"""Text that may start a suppression directive (an unused one is finding CC901)."""


class KeywordFilter:
    """RE2 sets over the lexicon patterns that decide whether a page can have a finding;
    `skips` says whether a document names none of them."""

    def __init__(self, compiled: CompiledLexicon) -> None:
        starts, seller, places = _relevant_patterns(compiled)
        self._starts, self._seller, self._places = PatternSet(), PatternSet(), PatternSet()
        self.complete = self._starts.enabled
        for target, patterns in ((self._starts, starts), (self._seller, seller)):
            for pattern in patterns:
                if target.add(pattern) is None:
                    self.complete = False  # a pattern RE2 cannot hold: never skip anything
        for pattern in places:
            if self._places.add(pattern) is None:
                self.complete = False
        for target in (self._starts, self._seller, self._places):
            target.compile()

    def skips(self, doc: Document, jurisdiction_forced: bool = False) -> bool:
        """True when nothing on the page can lead to a finding. The page is kept when a
        start pattern matches its text; when it is a snippet (fewer than
        MIN_SENTENCES visible sentences, which the engine presumes to be about a treatment);
        when it carries front-matter settings or a suppression directive; and when a seller
        cue meets a jurisdiction (a cue in the text or URL, a regional language tag such as
        es-MX, or `jurisdiction_forced`), since a commercial page owes permits and
        disclosures whatever it names."""
        if not self.complete or doc.settings or DIRECTIVE in doc.source_text.lower():
            return False
        # Every sentence is a slice of this text (segment.py builds them so), and the
        # relaxed patterns have no anchors: no match here means none in any sentence.
        whole = document_text(doc)
        if self._starts.match(whole):
            return False
        if not _visible_sentences_at_least(doc, MIN_SENTENCES):
            return False
        if not self._seller.match(whole):
            return True
        regional = "-" in (doc.lang or "")
        placed = bool(self._places.match(whole) or self._places.match(doc.path))
        return not (jurisdiction_forced or regional or placed)


def _visible_sentences_at_least(doc: Document, n: int) -> bool:
    """Does the page have at least `n` visible sentences? Each visible block with a word
    in it is at least one sentence, so counting blocks answers without segmenting (half
    the filter's time) unless the page is that short."""
    if sum(1 for b in doc.blocks if not b.hidden and _WORD.search(b.text)) >= n:
        return True
    return sum(1 for s in segment(doc) if not s.hidden) >= n


def _relevant_patterns(compiled: CompiledLexicon) -> tuple[list[str], list[str], list[str]]:
    """(start patterns, seller cues, jurisdiction cues): see docs/warc.md, "What the
    pre-filter looks for". Start patterns are the mentions, every rule's own trigger
    patterns and the animal/laboratory qualifiers that start a preclinical finding (in
    place of that rule's broad "you" and "our patients" patterns). Pattern groups
    (subjects, benefits, satisfied-by) only qualify a trigger or apply to commercial pages;
    a page is commercial only with a seller cue or a treatment mention, and the absence
    rules apply only where a jurisdiction is found; country and editorial cues only change
    how other findings are read."""
    starts: list[str] = []
    for term_patterns in (*compiled.interventions, *compiled.conditions):
        starts += [cp.pattern.regex for cp in term_patterns[1]]
    starts += [cp.pattern.regex for cp in compiled.anaphora]
    for rule in compiled.lexicon.rules:
        if rule.check != PRECLINICAL:
            starts += [cp.pattern.regex for cp in compiled.rule_patterns[rule.code]]
    starts += [m.modifier.regex for m in compiled.modifiers if m.modifier.category == NONHUMAN]
    seller_groups, _editorial = _page_type_groups(compiled)
    seller = [cp.pattern.regex for g in seller_groups for cp in compiled.page_cues[g]]
    places = [
        cp.pattern.regex
        for strong, weak in compiled.profile_cues.values()
        for cp in (*strong, *weak)
    ]
    return starts, seller, places


@lru_cache(maxsize=4)
def keyword_filter(compiled: CompiledLexicon) -> KeywordFilter:
    """The filter for a compiled lexicon, built once per process."""
    return KeywordFilter(compiled)


def applies(item: RawInput) -> bool:
    """True for an input the pre-filter may skip: a page read from a WARC/ARC file."""
    return bool(getattr(item, "keyword_filter", False))


def skipped_page(doc: Document) -> PageReport:
    """The placeholder for a skipped page: counted by `engine.build_report`, never listed."""
    return unchecked_page(
        doc.path,
        doc.format,
        doc.lang or "",
        reasons=("skipped by the keyword pre-filter",),
        sha256=doc.origin.sha256,
        prefilter_skipped=True,
    )


def filtered_check(engine, raw: RawInput) -> PageReport:
    """Check one archived page, or return `skipped_page` when the filter skips it. A page
    type forced by the configuration (`--page-type`) turns the filter off: a forced
    commercial page owes disclosures whatever it names."""
    doc = extract(raw)
    forced = bool([j for j in engine.config.jurisdictions or () if j != "none"])
    if engine.config.page_type is None and keyword_filter(engine.compiled).skips(doc, forced):
        return skipped_page(doc)
    return engine.check_document(doc)
