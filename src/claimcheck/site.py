"""Site-level conclusions for a crawled audit: site-wide duties and the site score.

Some duties belong to the clinic, not to each page. Every `absence` rule marked
`params.site_wide: true` (the COFEPRIS advertising permit CC301, the responsable sanitario
CC305, the licencia sanitaria CC306) is satisfied for every page by any page of the site
that shows it, and a physician's cédula profesional (CC303) shown next to that physician's
name on any page satisfies it wherever the physician is named. Such findings on other
pages are kept, suppressed with `suppressed_by: "site: shown on <url>"`. Disclaimers (CC2xx)
and the FDA status statement (CC308) stay per page: they must be near each page's claims.
The site score is documented in docs/scoring.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace

from claimcheck.engine import Engine
from claimcheck.model import Document, PageReport, Report, SiteScore
from claimcheck.score import grade, overclaim_cap, score, summarise

CEDULA_RULE = "CC303"
COMMERCIAL_WEIGHT = 3.0
OTHER_WEIGHT = 1.0
CAP_MARGIN = 10


def _surnames(name: str) -> frozenset[str]:
    return frozenset(w.lower() for w in name.split()[1:])


class SiteDetails:
    """Collects, page by page, the site-wide details each page shows in visible text."""

    def __init__(self, engine: Engine) -> None:
        self.timeout = engine.config.regex_timeout
        rules = {r.code: r for r in engine.lexicon.rules}
        group = engine.compiled.group
        cedula = rules.get(CEDULA_RULE)
        self.site_wide = {
            r.code: group(r, "satisfied_by")
            for r in engine.lexicon.rules
            if r.check == "absence" and r.params.get("site_wide")
        }
        self.physician_patterns = group(cedula, "physician") if cedula else ()
        self.cedula_patterns = group(cedula, "satisfied_by") if cedula else ()
        self.window = int(cedula.params.get("window", 200)) if cedula else 200
        self.shown: dict[str, str] = {}  # site-wide rule code -> first page that shows it
        self.cedulas: dict[frozenset[str], str] = {}

    def _search(self, patterns, text: str):
        for cp in patterns:
            m = cp.compiled.search(text, timeout=self.timeout)
            if m:
                return m
        return None

    def observe(self, doc: Document) -> None:
        """Note the site-wide details and the physicians with a cédula that `doc` shows."""
        text = "\n\n".join(b.text for b in doc.blocks if not b.hidden)
        for code, patterns in self.site_wide.items():
            if code not in self.shown and self._search(patterns, text):
                self.shown[code] = doc.path
        for cp in self.physician_patterns:
            for m in cp.compiled.finditer(text, timeout=self.timeout):
                nearby = text[max(0, m.start() - self.window) : m.end() + self.window]
                names = _surnames(m.group(0))
                if (
                    names
                    and names not in self.cedulas
                    and self._search(self.cedula_patterns, nearby)
                ):
                    self.cedulas[names] = doc.path

    def shown_on(self, code: str, trigger: str, path: str) -> str | None:
        """The URL of another page that satisfies this finding's duty, if any."""
        if self.shown.get(code) not in (None, path):
            return self.shown[code]
        if code == CEDULA_RULE:
            names = _surnames(trigger)
            for known, url in self.cedulas.items():
                if url != path and names & known:
                    return url
        return None


def apply_site_duties(page: PageReport, details: SiteDetails) -> PageReport:
    """The page with the findings that another page satisfies suppressed, and rescored."""
    findings = []
    for f in page.findings:
        url = None if f.suppressed else details.shown_on(f.code, f.trigger, page.path)
        findings.append(
            replace(f, suppressed=True, suppressed_by=f"site: shown on {url}") if url else f
        )
    if page.score is None or findings == list(page.findings):
        return page
    value = score(findings, page.page_type)
    return replace(page, findings=tuple(findings), score=value, grade=grade(value))


def site_score(pages: Sequence[PageReport], notes: Iterable[str] = ()) -> SiteScore:
    """Weighted mean of page scores (commercial pages weigh 3, others 1), capped at the
    worst commercial page's score plus CAP_MARGIN and at the lowest overclaim cap of any
    page (score.overclaim_cap); pages that could not be scored are left out."""
    scored = [p for p in pages if p.score is not None]
    reasons = list(notes)
    if not scored:
        return SiteScore(None, None, 0, (*reasons, "no page could be scored"))
    weights = [COMMERCIAL_WEIGHT if p.page_type == "commercial" else OTHER_WEIGHT for p in scored]
    mean = sum(w * p.score for w, p in zip(weights, scored, strict=True)) / sum(weights)
    commercial = sum(1 for p in scored if p.page_type == "commercial")
    reasons.insert(
        0,
        f"weighted mean {mean:.1f} over {len(scored)} page(s), {commercial} commercial "
        f"(weight {COMMERCIAL_WEIGHT:g}, others {OTHER_WEIGHT:g})",
    )
    value = mean
    if commercial:
        worst = min((p for p in scored if p.page_type == "commercial"), key=lambda p: p.score)
        cap = worst.score + CAP_MARGIN
        if cap < mean:
            value = cap
            reasons.insert(
                1, f"capped at {cap}: worst commercial page {worst.path} scores {worst.score}"
            )
    capped = _overclaim_cap(scored)
    if capped is not None and capped[0] < value:
        value = capped[0]
        reasons.insert(
            1, f"capped at {capped[0]}: page {capped[1]} makes its own error-level overclaims"
        )
    final = round(value)
    return SiteScore(final, grade(final), len(scored), tuple(reasons))


def _overclaim_cap(pages: Sequence[PageReport]) -> tuple[int, str] | None:
    """The lowest overclaim cap of the pages (score.overclaim_cap) and the page it comes
    from: a site is never graded above a page of its own that the cap keeps below B."""
    caps = [
        (cap, p.path) for p in pages if (cap := overclaim_cap(p.findings, p.page_type)) is not None
    ]
    return min(caps) if caps else None


def site_report(report: Report, details: SiteDetails) -> Report:
    """The report with site-wide duties applied, the summary recomputed and a site score."""
    files = tuple(apply_site_duties(page, details) for page in report.files)
    by_site = Counter(
        f.code for p in files for f in p.findings if (f.suppressed_by or "").startswith("site: ")
    )
    notes = [
        f"{code}: shown on {url}; {by_site[code]} finding(s) on other pages suppressed"
        for code, url in sorted(details.shown.items())
    ]
    if details.cedulas:
        notes.append(
            f"{CEDULA_RULE}: cédula shown for {len(details.cedulas)} physician(s); "
            f"{by_site[CEDULA_RULE]} finding(s) on other pages suppressed"
        )
    return replace(report, files=files, summary=summarise(files), site=site_score(files, notes))
