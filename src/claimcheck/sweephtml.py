"""The sweep report as one self-contained HTML document, charts drawn as inline SVG.

The charts are computed here as plain geometry (bars, polylines) and written by the
template `render/templates/sweep.html` through Jinja2's autoescaping, so no site text ever
reaches the page unescaped. No script, no external asset: the same Content-Security-Policy
and stylesheet as the single-audit report (claimcheck.render.html).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from claimcheck import __version__, i18n
from claimcheck.render.html import report_css, template_environment
from claimcheck.sweepreport import SweepReport

WIDTH = 640
BAR_ROW = 22
MAX_RULE_BARS = 15
MAX_HISTORY_LINES = 8
# Colour-blind-safe palette (Okabe-Ito) for the lines of the scores-over-time chart.
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#f0e442")


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar of a chart, in SVG user units, with its label and value."""

    x: float
    y: float
    width: float
    height: float
    label: str
    value: int
    css: str = ""


@dataclass(frozen=True, slots=True)
class Line:
    """One site's scores over time: the polyline's points and each point's marker."""

    label: str
    color: str
    points: str
    dots: tuple[tuple[float, float, str], ...]


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart's size, bars or lines, and axis ticks ((position, label) pairs)."""

    width: int
    height: int
    bars: tuple[Bar, ...] = ()
    lines: tuple[Line, ...] = ()
    ticks: tuple[tuple[float, str], ...] = ()
    x_ticks: tuple[tuple[float, str], ...] = ()


def _grade_class(low: int) -> str:
    from claimcheck.score import grade

    return f"grade-{grade(low)}"


def score_histogram(scores: list[int]) -> Chart:
    """Ranked sites per band of ten points (0-9 … 90-100), a bar per band."""
    counts = [0] * 10
    for s in scores:
        counts[min(max(s, 0) // 10, 9)] += 1
    top = max(counts) or 1
    plot_h, base, step = 160.0, 180.0, (WIDTH - 40) / 10
    bars = tuple(
        Bar(
            x=30 + n * step + 2,
            y=base - plot_h * c / top,
            width=step - 4,
            height=plot_h * c / top,
            label=f"{n * 10}–{n * 10 + 9 if n < 9 else 100}",
            value=c,
            css=_grade_class(n * 10),
        )
        for n, c in enumerate(counts)
    )
    return Chart(WIDTH, 210, bars=bars)


def rule_bars(by_code: tuple[tuple[str, str, int], ...]) -> Chart:
    """Horizontal bars: findings per rule code, the most frequent first."""
    rows = by_code[:MAX_RULE_BARS]
    top = max((n for _, _, n in rows), default=1)
    span = WIDTH - 120 - 50
    bars = tuple(
        Bar(
            x=120,
            y=8 + i * BAR_ROW,
            width=max(1.0, span * n / top),
            height=BAR_ROW - 6,
            label=code,
            value=n,
        )
        for i, (code, _, n) in enumerate(rows)
    )
    return Chart(WIDTH, 16 + len(rows) * BAR_ROW, bars=bars)


def _when(stamp: str) -> float:
    try:
        return datetime.fromisoformat(stamp).timestamp()
    except ValueError:
        return 0.0


def history_lines(report: SweepReport) -> Chart | None:
    """Site score over time for the worst-ranked sites audited more than once; None when
    no site has two recorded scores."""
    sites = [s for s in report.ranked if len(s.history) > 1][:MAX_HISTORY_LINES]
    if not sites:
        return None
    times = [_when(p.started) for s in sites for p in s.history]
    first, last = min(times), max(times)
    span = (last - first) or 1.0
    left, right, top_y, plot_h = 40.0, WIDTH - 20.0, 10.0, 180.0

    def xy(started: str, score: int) -> tuple[float, float]:
        x = left + (right - left) * (_when(started) - first) / span
        return round(x, 1), round(top_y + plot_h * (100 - score) / 100, 1)

    lines = []
    for n, s in enumerate(sites):
        dots = tuple((*xy(p.started, p.score), f"{p.started}: {p.score}") for p in s.history)
        points = " ".join(f"{x},{y}" for x, y, _ in dots)
        lines.append(Line(s.site, PALETTE[n % len(PALETTE)], points, dots))
    ticks = tuple((top_y + plot_h * (100 - v) / 100, str(v)) for v in (0, 50, 100))
    dates = [p.started[:10] for s in sites for p in s.history]
    x_ticks = ((left, min(dates)), (right, max(dates)))
    return Chart(WIDTH, 220, lines=tuple(lines), ticks=ticks, x_ticks=x_ticks)


def screenshot_href(path: str, link_base: str) -> str:
    """A relative link to a screenshot inside the sweep directory, from where the report
    is written (`link_base`: the sweep directory relative to the report's folder)."""
    joined = f"{link_base.rstrip('/')}/{path}" if link_base not in ("", ".") else path
    return quote(joined.replace(os.sep, "/"), safe="/")


def render_sweep_html(report: SweepReport, lang: str = "en", link_base: str = "") -> str:
    """The whole sweep report as one HTML document in `lang` ('en' or 'es').

    `link_base` is the sweep directory relative to where the HTML is written, so the links
    to screenshots resolve when the report is opened beside the sweep.
    """
    lang = i18n.normalize(lang)
    t = i18n.catalogue(lang)
    scores = [s.score for s in report.ranked if s.score is not None]
    return (
        template_environment()
        .get_template("sweep.html")
        .render(
            report=report,
            t=t,
            css=report_css(),
            histogram=score_histogram(scores),
            rules=rule_bars(report.by_code),
            over_time=history_lines(report),
            severity=lambda label: i18n.severity_name(label, lang),
            jurisdiction=lambda code: i18n.jurisdiction_name(code, lang),
            shot=lambda path: screenshot_href(path, link_base),
            version=__version__,
        )
    )
