"""End-to-end throughput of claimcheck on a synthetic corpus of clinic pages.

What: builds N deterministic (seeded) clinic-like HTML pages of about 55 KB each in a
temporary directory, then times four ways of reading the same bytes:

  (a) floor     `lxml.html.fromstring(data).text_content()` per page: parsing HTML and
                pulling out its text, the least any HTML linter has to do;
  (b) naive     decode, lowercase and count a list of trigger words: what a grep-style
                checker does (fast, but blind to negation, hedging and context);
  (c) claimcheck `iter_reports([corpus], Config(jobs=1))`: the real pipeline, one process;
  (d) claimcheck `iter_reports([corpus], Config(jobs=0))`: all cores (or `--jobs N`).

(c) and (d) run the rules only (`model="none"`) unless `--model` names a classifier
("default" or a directory), so that numbers stay comparable whatever the configured
default is.

Why: to know how far the full pipeline is from the parsing floor, whether it meets the
target of 300 pages/s per core, whether memory stays flat while streaming (RSS is
sampled after 25 % and 100 % of the pages), and whether the parallel run gives exactly
the same findings as the serial one. `--profile` adds a cProfile run of (c) on the first
100 pages and a per-stage breakdown (parse, tree walk, segmentation, matching, checks).

Every method streams: one page is read, processed and dropped before the next, so no
parsed documents pile up in memory.

Run from the repository root:

    PYTHONPATH=src python benchmarks/throughput.py               # 1,000 pages
    PYTHONPATH=src python benchmarks/throughput.py --pages 50    # smoke test
    PYTHONPATH=src python benchmarks/throughput.py --profile --keep /tmp/corpus
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "src") not in sys.path:  # let `python benchmarks/throughput.py` work uninstalled
    sys.path.insert(0, str(ROOT / "src"))

from claimcheck import extract as extract_module  # noqa: E402
from claimcheck.config import Config  # noqa: E402
from claimcheck.engine import Engine, iter_reports  # noqa: E402
from claimcheck.segment import document_text, segment  # noqa: E402
from claimcheck.sources import read_path  # noqa: E402

TARGET_BYTES = 55 * 1024
SEED = 20240611
PROFILE_PAGES = 100

TRIGGERS = (
    "cure",
    "cura",
    "reverse",
    "revert",
    "eliminate",
    "elimina",
    "insulin-free",
    "sin insulina",
    "guarantee",
    "garantiza",
    "miracle",
    "milagro",
    "proven",
    "comprobado",
    "fda approved",
    "fda-approved",
    "aprobado por la fda",
    "no side effects",
    "sin efectos secundarios",
    "success rate",
    "permanent",
    "breakthrough",
    "100%",
)

# ----------------------------------------------------------------------------- corpus

CLINICS = (
    "Clínica Renova Celular",
    "BioVida Regenerative Center",
    "Instituto Células Nuevas",
    "Pacific Stem Health",
    "Centro Médico Aurora",
    "RegenPlus Medical Group",
    "Clínica San Rafael Regenerativa",
    "NovaCell Institute",
)
CITIES = ("Tijuana", "Cancún", "Guadalajara", "Monterrey", "Puerto Vallarta", "Los Cabos")
DOCTORS = ("Dr. Andrés Olvera", "Dra. Paula Quintero", "Dr. Héctor Lozano", "Dra. Sofía Urrutia")
CELLS = (
    "mesenchymal stem cells",
    "umbilical cord stem cells",
    "adipose-derived stem cells",
    "bone marrow stem cells",
    "stem cell therapy",
)
CELLS_ES = ("células madre mesenquimales", "células madre de cordón umbilical", "terapia celular")
CONDITIONS = ("type 2 diabetes", "type 1 diabetes", "diabetic neuropathy", "diabetes")
CONDITIONS_ES = ("diabetes tipo 2", "diabetes tipo 1", "neuropatía diabética", "diabetes")
PATIENTS = ("Roberto M.", "Linda K.", "Guadalupe R.", "Tom H.", "Mariana S.", "Jeff D.")

NEUTRAL_EN = (
    "Our team in {city} welcomes patients from across North America every week.",
    "The clinic is located ten minutes from the international airport, and our drivers "
    "can pick you up at the arrivals hall.",
    "Every visit begins with a consultation in which {doctor} reviews your medical history, "
    "current medication and recent laboratory results.",
    "We ask all visitors to bring a printed copy of their latest blood panel and a list of "
    "the medicines they take.",
    "Our facility has private recovery rooms, a small pharmacy and a laboratory on site.",
    "Many of our patients travel with a family member, and we can arrange a hotel near the "
    "clinic at a reduced rate.",
    "The protocol for {condition} usually takes three to five days, including rest periods "
    "between appointments.",
    "{doctor} trained in internal medicine and has worked with regenerative approaches for "
    "more than a decade.",
    "Our coordinators speak English and Spanish and will answer your questions by phone, "
    "e-mail or video call.",
    "We explain each step of the procedure before it happens, so you always know what to "
    "expect during your stay.",
    "Patients are encouraged to keep a simple diary of glucose readings, meals and sleep "
    "during the weeks after treatment.",
    "After you return home, a nurse will call you at one, three and six months to ask how "
    "you are doing.",
    "The cells used in our programme are processed by a partner laboratory that follows "
    "written quality procedures.",
    "Appointments are available Monday to Saturday, and we try to confirm every booking "
    "within one business day.",
    "We accept payment by bank transfer and major credit cards; a deposit secures your "
    "preferred dates.",
    "Managing {condition} well still depends on diet, activity and regular checks with your "
    "own physician.",
    "Our newsletter shares recipes, walking plans and short interviews with the nursing staff.",
    "Parking is free for patients and their companions, and the building is accessible by "
    "wheelchair.",
    "Your personal data is stored securely and is never shared without your written permission.",
    "The waiting area has coffee, fruit and a quiet corner for anyone who needs to work "
    "during the visit.",
    "Every treatment plan is written down and signed by the doctor, and you get a copy to "
    "take home.",
    "Please tell us about any allergies, previous surgeries or infections before the first "
    "appointment.",
    "We work with interpreters for Portuguese, French and Mandarin on request.",
    "Follow-up visits can be combined with a short holiday on the coast, which many families "
    "enjoy.",
    "Our reception desk opens at eight in the morning and closes at seven in the evening.",
    "Laboratory tests are repeated on the last day so that your doctor at home can compare "
    "the values.",
    "Bring comfortable clothes, your glucose meter and enough of your usual medicine for the "
    "whole trip.",
)
NEUTRAL_ES = (
    "Nuestro equipo en {city} recibe pacientes de México y del extranjero todas las semanas.",
    "La primera cita incluye una revisión completa de su historial clínico y de sus "
    "medicamentos actuales.",
    "Contamos con habitaciones privadas de recuperación, laboratorio propio y farmacia "
    "dentro de la clínica.",
    "Le pedimos traer sus estudios de laboratorio más recientes y una lista de los "
    "medicamentos que toma.",
    "El tratamiento para la {condition_es} dura normalmente de tres a cinco días, con "
    "periodos de descanso.",
    "{doctor} tiene más de diez años de experiencia en medicina interna y terapias regenerativas.",
    "Nuestros coordinadores hablan español e inglés y responden por teléfono, correo o "
    "videollamada.",
    "Después del tratamiento le llamaremos al mes, a los tres meses y a los seis meses para "
    "conocer su evolución.",
    "Aceptamos transferencia bancaria y tarjetas de crédito; un anticipo reserva sus fechas.",
    "El control de la diabetes sigue dependiendo de la alimentación, el ejercicio y las "
    "revisiones con su médico.",
    "El estacionamiento es gratuito para pacientes y acompañantes.",
    "Sus datos personales se guardan de forma segura y no se comparten sin su autorización.",
)
OVERCLAIM_EN = (
    "Our {cells} cure diabetes at its root.",
    "Stem cells can reverse type 2 diabetes in as little as 90 days.",
    "Say goodbye to insulin for good after a single treatment.",
    "The procedure is completely safe with no side effects.",
    "We use FDA-approved stem cells from certified donors.",
    "Our protocol has a 98% success rate with diabetic patients.",
    "This breakthrough therapy eliminates the need for daily injections.",
    "Become insulin-free and live a normal life again.",
    "We guarantee results or your next session is free.",
    "Clinically proven to regenerate the pancreas.",
    "A miracle treatment for people who have tried everything else.",
    "Most patients stop all diabetes medication within weeks.",
)
OVERCLAIM_ES = (
    "Nuestras {cells_es} curan la diabetes de forma definitiva.",
    "Diga adiós a la insulina con un solo tratamiento.",
    "Tratamiento 100% seguro y sin efectos secundarios.",
    "Revierta la diabetes tipo 2 en solo tres meses.",
    "Resultados garantizados con células madre aprobadas por la FDA.",
    "Un tratamiento milagroso para la diabetes.",
)
HEDGED = (
    "Some patients report better glucose control, although results vary from person to person.",
    "Early studies of {cells} in {condition} are ongoing, and it is not yet known whether "
    "any benefit lasts.",
    "Stem cell therapy may help some people, but it has not been shown to cure diabetes.",
    "No treatment can promise that you will stop insulin, and you should never change your "
    "dose without your doctor.",
    "Algunos pacientes refieren mejoría, pero los resultados pueden variar.",
    "Research on {cells} is at an early stage and larger trials are still needed.",
)
DISCLAIMERS = (
    "This treatment is investigational and has not been approved by the FDA for {condition}.",
    "Results vary. The information on this page does not replace the advice of your physician.",
    "Este tratamiento es experimental y no sustituye la atención de su médico.",
    "Individual results are not guaranteed and may differ from those described by other patients.",
)
TESTIMONIALS = (
    "I was nervous before the trip, but the staff explained everything and I felt looked "
    "after the whole time.",
    "Three months later my numbers are better than they have been in years. I can't believe "
    "how much energy I have.",
    "After my treatment I was able to stop insulin completely. It changed my life.",
    "La atención fue excelente y el doctor contestó todas mis preguntas con paciencia.",
    "My neuropathy pain is gone and I sleep through the night again.",
    "The hotel was comfortable and the driver was always on time.",
)
HEADINGS = (
    "Stem cell therapy for {condition}",
    "How the treatment works",
    "What to expect during your stay",
    "Meet {doctor}",
    "Frequently asked questions",
    "Why patients choose {clinic}",
    "Terapia con células madre en {city}",
    "Your recovery at home",
    "Prices and packages",
    "Our laboratory",
)
LIST_ITEMS = (
    "Free initial evaluation by video call",
    "Airport pick-up and local transport",
    "Three nights in a partner hotel",
    "Laboratory tests before and after treatment",
    "Follow-up calls for six months",
    "Evaluación médica sin costo",
    "Permanent results without medication",
    "Personal coordinator available by WhatsApp",
    "Cells prepared on the day of treatment",
    "Nutritional guidance after you return home",
)
NAV_WORDS = (
    "Home",
    "About us",
    "Treatments",
    "Diabetes",
    "Neuropathy",
    "Our doctors",
    "Testimonials",
    "Prices",
    "Blog",
    "Contact",
    "FAQ",
    "Travel",
    "Hotels",
    "Research",
    "Español",
    "Book now",
)
CSS_PROPS = (
    "margin:0 auto",
    "padding:{a}px {b}px",
    "color:#{h}",
    "background-color:#{h}",
    "font-size:{a}px",
    "line-height:1.{b}",
    "display:flex",
    "border-radius:{b}px",
    "box-shadow:0 {b}px {a}px rgba(0,0,0,.1{b})",
    "transition:all .{b}s ease-in-out",
    "font-family:'Open Sans',Arial,sans-serif",
    "width:calc(100% - {a}px)",
)
CSS_NAMES = ("hero", "nav", "card", "btn", "grid", "col", "footer", "menu", "icon", "cta")


@dataclass(frozen=True)
class _Fill:
    """Slot values for one page, so a page talks about one clinic, city and doctor."""

    clinic: str
    city: str
    doctor: str
    cells: str
    cells_es: str
    condition: str
    condition_es: str

    def __call__(self, template: str) -> str:
        return template.format(**self.__dict__)


def _css(rng: random.Random, size: int) -> str:
    rules: list[str] = []
    total = 0
    while total < size:
        selector = (
            f".{rng.choice(CSS_NAMES)}-{rng.randrange(1000)} .{rng.choice(CSS_NAMES)}"
            f"{rng.choice(('', ':hover', '>a', ' li'))}"
        )
        props = ";".join(
            p.format(a=rng.randrange(4, 64), b=rng.randrange(1, 9), h=f"{rng.randrange(4096):03x}")
            for p in rng.sample(CSS_PROPS, rng.randint(3, 6))
        )
        rule = f"{selector}{{{props}}}\n"
        rules.append(rule)
        total += len(rule)
    return "".join(rules)


def _script(rng: random.Random, size: int) -> str:
    parts = ["(function(w,d){'use strict';var cfg={"]
    total = 0
    while total < size:
        name = f"{rng.choice(CSS_NAMES)}{rng.randrange(10000)}"
        part = (
            f"{name}:function(e){{var t=d.querySelectorAll('.{name}');"
            f"for(var i=0;i<t.length;i++){{t[i].classList.toggle('is-open',e&&e.detail>"
            f"{rng.randrange(100)});}}return t.length;}},\n"
        )
        parts.append(part)
        total += len(part)
    parts.append("};w.clinicUi=cfg;})(window,document);")
    return "".join(parts)


def _paragraph(rng: random.Random, fill: _Fill, spanish: bool) -> str:
    sentences: list[str] = []
    for _ in range(rng.randint(5, 11)):
        roll = rng.random()
        if roll < 0.05:
            pool = OVERCLAIM_ES if spanish else OVERCLAIM_EN
        elif roll < 0.09:
            pool = HEDGED
        elif roll < 0.11:
            pool = DISCLAIMERS
        elif roll < 0.20:
            pool = NEUTRAL_EN if spanish else NEUTRAL_ES  # the other language, now and then
        else:
            pool = NEUTRAL_ES if spanish else NEUTRAL_EN
        sentence = fill(rng.choice(pool))
        if rng.random() < 0.15:
            words = sentence.split(" ")
            i = rng.randrange(len(words))
            words[i] = f"<strong>{words[i]}</strong>"
            sentence = " ".join(words)
        sentences.append(sentence)
    return "<p>" + " ".join(sentences) + "</p>\n"


ICON = (
    '<svg class="icon" aria-hidden="true" viewBox="0 0 512 512" width="16" height="16">'
    '<path d="M173.9 439.4l-166.4-166.4c-10-10-10-26.2 0-36.2l36.2-36.2c10-10 26.2-10 36.2 '
    "0L192 312.7 432.1 72.6c10-10 26.2-10 36.2 0l36.2 36.2c10 10 10 26.2 0 36.2l-294.4 294.4"
    'c-10 10-26.2 10-36.2 0z"></path></svg>'
)


def _widget(rng: random.Random, kind: str, body: str) -> str:
    """Page-builder wrappers: CMS pages nest every widget in a few attribute-heavy divs."""
    wid = f"{rng.randrange(16**7):07x}"
    return (
        f'<div class="elementor-element elementor-element-{wid} elementor-widget '
        f'elementor-widget-{kind}" data-id="{wid}" data-element_type="widget" '
        f'data-widget_type="{kind}.default"><div class="elementor-widget-container">'
        f"{body}</div></div>\n"
    )


def _section(rng: random.Random, fill: _Fill, spanish: bool, number: int) -> str:
    out = [
        f'<section class="elementor-section elementor-top-section block-{number}" '
        f'id="s{number}" data-settings=\'{{"background_background":"classic",'
        f'"animation":"fadeInUp"}}\'><div class="elementor-container elementor-column-gap">'
        '<div class="elementor-column elementor-col-100"><div class="elementor-widget-wrap">\n',
        _widget(
            rng, "heading", f'<h2 class="elementor-heading-title">{fill(rng.choice(HEADINGS))}</h2>'
        ),
    ]
    for _ in range(rng.randint(1, 2)):
        out.append(_widget(rng, "text-editor", _paragraph(rng, fill, spanish)))
    kind = rng.random()
    if kind < 0.35:
        items = rng.sample(LIST_ITEMS, rng.randint(4, 7))
        out.append(
            '<ul class="elementor-icon-list-items">'
            + "".join(
                f'<li class="elementor-icon-list-item"><span class="elementor-icon-list-icon">'
                f'{ICON}</span><span class="elementor-icon-list-text">{item}</span></li>'
                for item in items
            )
            + "</ul>\n"
        )
    elif kind < 0.6:
        out.append('<div class="testimonials">\n')
        for _ in range(rng.randint(1, 3)):
            out.append(
                f'<blockquote class="testimonial"><p>"{rng.choice(TESTIMONIALS)}"</p>'
                f"<cite>{rng.choice(PATIENTS)}, {rng.choice(CITIES)}</cite></blockquote>\n"
            )
        out.append("</div>\n")
    elif kind < 0.75:
        rows = "".join(
            f"<tr><td>{name}</td><td>${rng.randrange(40, 250) * 100:,} USD</td>"
            f"<td>{rng.randint(2, 6)} days</td></tr>"
            for name in ("Basic", "Standard", "Premium", "Family")
        )
        out.append(
            '<table class="prices"><thead><tr><th>Package</th><th>Price</th><th>Stay</th>'
            f"</tr></thead><tbody>{rows}</tbody></table>\n"
        )
    if rng.random() < 0.3:
        out.append(f'<p class="disclaimer"><small>{fill(rng.choice(DISCLAIMERS))}</small></p>\n')
    out.append(
        f'<div class="cta"><a class="btn" href="/book?s={number}">{ICON}'
        "Book a free consultation</a>"
        f'<img src="/img/s{number}.jpg" alt="{fill("Patient care in {city}")}"></div>\n'
    )
    out.append("</div></div></div></section>\n")
    return "".join(out)


def make_page(index: int, target: int = TARGET_BYTES) -> bytes:
    """One synthetic clinic page of about `target` bytes; the same `index` gives the same page."""
    rng = random.Random(SEED * 1_000_003 + index)
    fill = _Fill(
        clinic=rng.choice(CLINICS),
        city=rng.choice(CITIES),
        doctor=rng.choice(DOCTORS),
        cells=rng.choice(CELLS),
        cells_es=rng.choice(CELLS_ES),
        condition=rng.choice(CONDITIONS),
        condition_es=rng.choice(CONDITIONS_ES),
    )
    spanish = rng.random() < 0.3
    lang = "es" if spanish else "en"
    metas = "".join(
        f'<meta property="og:{key}" content="{fill(value)}">\n'
        for key, value in (
            ("title", "{clinic} | Stem cells in {city}"),
            ("description", "{cells} for {condition} in {city}"),
            ("site_name", "{clinic}"),
            ("locale", "en_US"),
            ("type", "website"),
        )
    )
    head = (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{fill('{clinic} – {cells} in {city}')}</title>\n{metas}"
        f"<style>\n{_css(rng, rng.randint(14_000, 18_000))}</style>\n"
        f"<script>\n{_script(rng, rng.randint(5_000, 8_000))}</script>\n"
        '<script type="application/ld+json">{"@context":"https://schema.org",'
        f'"@type":"MedicalClinic","name":"{fill("{clinic}")}"}}</script>\n'
        "</head>\n"
    )
    links = "".join(
        f'<li class="menu-item"><a href="/{word.lower().replace(" ", "-")}-{i}">{word}</a></li>'
        for i, word in enumerate(rng.choice(NAV_WORDS) for _ in range(rng.randint(20, 40)))
    )
    header = (
        f'<body class="page page-id-{index}">\n<header class="site-header">'
        f'<a class="logo" href="/">{fill("{clinic}")}</a>\n'
        f'<nav class="main-nav"><ul class="menu">{links}</ul></nav></header>\n<main>\n'
        f"<h1>{fill(rng.choice(HEADINGS))}</h1>\n"
    )
    footer = (
        '</main>\n<footer class="site-footer">\n'
        f"<address>{fill('{clinic}')}, Av. Reforma {rng.randrange(100, 9999)}, "
        f"Col. Centro, {fill('{city}')}, México, C.P. {rng.randrange(20000, 99999)}</address>\n"
        f"<p>Tel. +52 {rng.randrange(100, 999)} {rng.randrange(100, 999)} "
        f"{rng.randrange(1000, 9999)} · US +1 619 {rng.randrange(100, 999)} "
        f"{rng.randrange(1000, 9999)}</p>\n"
        f"<p>Aviso de publicidad COFEPRIS {rng.randrange(10, 99)}3300{rng.randrange(100, 999)}"
        f"A{rng.randrange(1000, 9999)}. Responsable sanitario: {fill('{doctor}')}, "
        f"cédula profesional {rng.randrange(1_000_000, 9_999_999)}.</p>\n"
        f'<p class="fine-print"><small>{fill(rng.choice(DISCLAIMERS))}</small></p>\n'
        f"<script>{_script(rng, rng.randint(1_500, 3_000))}</script>\n"
        "</footer>\n</body>\n</html>\n"
    )
    budget = target - len(head.encode()) - len(header.encode()) - len(footer.encode())
    sections: list[str] = []
    size = 0
    while size < budget:
        section = _section(rng, fill, spanish, len(sections) + 1)
        length = len(section.encode())
        if sections and size + length // 2 > budget:  # stop nearest to the target size
            break
        sections.append(section)
        size += length
    return (head + header + "".join(sections) + footer).encode("utf-8")


def build_corpus(directory: Path, pages: int) -> tuple[list[Path], int]:
    """Write `pages` pages into `directory` one at a time; return their paths and total bytes."""
    directory.mkdir(parents=True, exist_ok=True)
    width = max(4, len(str(pages - 1)))
    paths: list[Path] = []
    total = 0
    for i in range(pages):
        data = make_page(i)
        path = directory / f"page-{i:0{width}d}.html"
        path.write_bytes(data)
        paths.append(path)
        total += len(data)
    return paths, total


def composition(paths: list[Path]) -> str:
    """Share of bytes in <style>, <script>, visible text and the rest (markup) of pages."""
    style = script = text = total = 0
    for path in paths:
        data = path.read_bytes()
        total += len(data)
        root = lxml.html.fromstring(data)
        for el in root.iter("style", "script"):
            size = len((el.text or "").encode())
            if el.tag == "style":
                style += size
            else:
                script += size
            el.drop_tree()
        text += len(" ".join(root.text_content().split()).encode())
    markup = total - style - script - text
    return (
        f"style {100 * style / total:.0f} %, script {100 * script / total:.0f} %, "
        f"visible text {100 * text / total:.0f} %, markup {100 * markup / total:.0f} %"
    )


# ------------------------------------------------------------------------ measuring

MB = 1024 * 1024


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident set size so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(who).ru_maxrss / 1024


def current_rss_mb() -> float:
    """Resident set size right now, from /proc (Linux); the peak where /proc is missing."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_rss_mb()


@dataclass
class Result:
    method: str
    pages: int
    seconds: float
    peak_rss: float
    findings: int | None = None
    notes: list[str] = field(default_factory=list)


def _read_all(paths: list[Path]) -> Iterator[bytes]:
    for path in paths:
        yield path.read_bytes()


def run_floor(paths: list[Path]) -> Result:
    chars = 0
    start = time.perf_counter()
    for data in _read_all(paths):
        chars += len(lxml.html.fromstring(data).text_content())
    seconds = time.perf_counter() - start
    return Result("(a) lxml floor", len(paths), seconds, peak_rss_mb(), notes=[f"{chars:,} chars"])


def run_naive(paths: list[Path]) -> Result:
    hits = 0
    start = time.perf_counter()
    for data in _read_all(paths):
        text = data.decode("utf-8", errors="replace").lower()
        hits += sum(text.count(word) for word in TRIGGERS)
    seconds = time.perf_counter() - start
    return Result("(b) naive keywords", len(paths), seconds, peak_rss_mb(), hits)


def run_claimcheck(
    corpus: Path, pages: int, jobs: int, label: str, rss_points: bool, model: str = "none"
) -> tuple[Result, list[tuple[str, str, int, int]]]:
    """Stream every page report; keep only a compact fingerprint of each finding."""
    config = Config(jobs=jobs, model=model)
    checkpoints = {max(1, pages // 4): "25%", pages: "100%"} if rss_points else {}
    fingerprint: list[tuple[str, str, int, int]] = []
    errors: list[str] = []
    notes: list[str] = []
    count = 0
    start = time.perf_counter()
    for report in iter_reports([str(corpus)], config):
        count += 1
        name = os.path.basename(report.path)
        fingerprint.extend((name, f.code, f.line, f.column) for f in report.findings)
        errors.extend(f"{name}: {e.kind}" for e in report.errors)
        if count in checkpoints:
            notes.append(
                f"RSS after {checkpoints[count]} of pages: {current_rss_mb():.0f} MB "
                f"(peak {peak_rss_mb():.0f} MB)"
            )
    seconds = time.perf_counter() - start
    if errors:
        raise SystemExit(f"{label}: {len(errors)} pages failed, e.g. {errors[:3]}")
    if count != pages:
        raise SystemExit(f"{label}: expected {pages} reports, got {count}")
    result = Result(label, count, seconds, peak_rss_mb(), len(fingerprint), notes)
    return result, fingerprint


def profile_claimcheck(
    paths: list[Path], model: str = "none", top: int = 15
) -> tuple[str, list[tuple[str, float]]]:
    """cProfile (c) on the given pages: top functions and a per-stage breakdown."""
    engine = Engine(Config(jobs=1, model=model))  # built outside the profile: a one-off cost
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in iter_reports([str(p) for p in paths], engine=engine):
        pass
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs()
    for order in ("cumulative", "tottime"):
        out.write(f"\n--- top {top} by {order} time ({len(paths)} pages, jobs=1) ---\n")
        stats.sort_stats(order).print_stats(top)
    return out.getvalue(), stage_breakdown(stats)


def stage_clock(paths: list[Path], model: str = "none") -> list[tuple[str, float]]:
    """Seconds per stage without a profiler (cProfile inflates Python-heavy stages).

    The stages are timed one after the other on each page: read, decode + parse +
    tree walk (`extract`), parsing alone, segmentation, and the whole `check_document`
    (which segments again, so "matching + checks" is check_document minus segment).
    """
    engine = Engine(Config(jobs=1, model=model))
    parse = getattr(extract_module, "_parse_html", None)  # private: skipped if renamed
    clock = dict.fromkeys(("read", "extract", "parse", "segment", "check"), 0.0)
    for path in paths:
        t0 = time.perf_counter()
        raw = read_path(str(path))
        t1 = time.perf_counter()
        doc = extract_module.extract(raw)
        t2 = time.perf_counter()
        if parse is not None:
            parse(doc.source_text)
        t3 = time.perf_counter()
        segment(doc)
        document_text(doc)
        t4 = time.perf_counter()
        engine.check_document(doc)
        t5 = time.perf_counter()
        for key, seconds in zip(clock, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True):
            clock[key] += seconds
    rows = [("read + sniff + decode (read_path)", clock["read"])]
    if parse is not None:
        rows.append(("  lxml parse (_parse_html)", clock["parse"]))
        rows.append(
            ("  decode + tree walk + locate (rest of extract)", clock["extract"] - clock["parse"])
        )
    else:
        rows.append(("  decode + parse + tree walk (extract)", clock["extract"]))
    rows.append(("segmentation (segment + document_text)", clock["segment"]))
    rows.append(("mentions, facts, rules, page checks, score", clock["check"] - clock["segment"]))
    rows.append(("total", clock["read"] + clock["extract"] + clock["check"]))
    return rows


# (stage, module file, function name): cumulative time of each, summed per stage.
STAGES: tuple[tuple[str, str, str], ...] = (
    ("read + sniff + decode (sources)", "sources.py", "read_path"),
    ("decode again in extract()", "sources.py", "decode"),
    ("lxml parse (_parse_html)", "extract.py", "_parse_html"),
    ("tree walk (_HtmlWalker.walk)", "extract.py", "walk"),
    ("segmentation (segment, document_text)", "segment.py", "segment"),
    ("segmentation (segment, document_text)", "segment.py", "document_text"),
    ("mentions (collect_mentions)", "facts.py", "collect_mentions"),
    ("page facts (page_facts)", "facts.py", "page_facts"),
    ("rule triggers (trigger/preclinical)", "combine.py", "trigger_findings"),
    ("rule triggers (trigger/preclinical)", "combine.py", "preclinical_findings"),
    ("page checks (page_checks.check_*)", "page_checks.py", "check_"),
    ("suppressions (apply_suppressions)", "suppress.py", "apply_suppressions"),
    ("scoring (score)", "score.py", "score"),
)


def stage_breakdown(stats: pstats.Stats) -> list[tuple[str, float]]:
    """Seconds per pipeline stage, from the cumulative times of the stage's entry points.

    `decode` is counted only when called from extract(), since read_path's own call is
    already inside the "read" stage.
    """
    table: dict[str, float] = {}
    raw = stats.stats  # type: ignore[attr-defined]
    total = max(ct for (_, _, _, ct, _) in raw.values())
    for stage, filename, name in STAGES:
        seconds = 0.0
        for (file, _line, func), (_cc, _nc, _tt, ct, callers) in raw.items():
            if file != filename:
                continue
            if name == "check_" and func.startswith("check_"):
                seconds += ct
            elif func == name and name == "decode":
                seconds += sum(c[3] for (cf, _, cfunc), c in callers.items() if cfunc == "extract")
            elif func == name:
                seconds += ct
        table[stage] = table.get(stage, 0.0) + seconds
    table["total (profiled)"] = total
    return list(table.items())


# --------------------------------------------------------------------------- output


def machine() -> str:
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        model = platform.processor() or model
    return (
        f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()} "
        f"({platform.python_implementation()}), {platform.system()} {platform.release()}, "
        f"lxml {lxml.etree.LXML_VERSION}"
    )


def _load() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def table(results: list[Result], total_bytes: int, floor: float) -> str:
    header = ("method", "pages", "seconds", "pages/s", "MB/s", "x floor", "peak RSS MB", "findings")
    rows = [header]
    for r in results:
        rows.append(
            (
                r.method,
                f"{r.pages:,}",
                f"{r.seconds:.2f}",
                f"{r.pages / r.seconds:,.1f}",
                f"{total_bytes / MB / r.seconds:.2f}",
                f"{r.seconds / floor:.2f}",
                f"{r.peak_rss:.0f}",
                "-" if r.findings is None else f"{r.findings:,}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |"
        for row in rows
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Throughput of claimcheck against an lxml floor and a keyword baseline.",
    )
    parser.add_argument("--pages", type=int, default=1000, help="pages to generate (1000)")
    parser.add_argument(
        "--jobs", type=int, default=0, help="processes for run (d); 0 = all cores (default)"
    )
    parser.add_argument("--keep", metavar="DIR", help="write the corpus to DIR and keep it")
    parser.add_argument(
        "--model",
        default="none",
        help="classifier for (c) and (d): 'none' (rules only, default), 'default' or a directory",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help=f"also cProfile run (c) on the first {PROFILE_PAGES} pages",
    )
    args = parser.parse_args(argv)
    if args.pages < 1:
        parser.error("--pages must be at least 1")
    if args.jobs < 0:
        parser.error("--jobs must be 0 (auto) or more")
    return args


def run(corpus: Path, args: argparse.Namespace, emit: Callable[[str], None]) -> None:
    start = time.perf_counter()
    paths, total_bytes = build_corpus(corpus, args.pages)
    emit(
        f"corpus: {len(paths):,} pages, {total_bytes / MB:.1f} MB "
        f"(mean {total_bytes / len(paths) / 1024:.1f} KB/page) in {corpus}, "
        f"built in {time.perf_counter() - start:.1f} s"
    )
    emit(f"bytes (first {min(20, len(paths))} pages): {composition(paths[:20])}")
    emit(f"machine: {machine()}")
    emit(f"load average before: {_load()} (other processes on the machine skew the timings)")
    start = time.perf_counter()
    Engine(Config(jobs=1, model=args.model))
    emit(f"model: {args.model} ('none' = rules only)")
    emit(f"Engine() construction (lexicon load + compile): {time.perf_counter() - start:.2f} s")

    jobs = args.jobs or max(1, os.cpu_count() or 1)
    floor = run_floor(paths)
    naive = run_naive(paths)
    serial, serial_fp = run_claimcheck(
        corpus, len(paths), 1, "(c) claimcheck jobs=1", True, args.model
    )
    label = f"(d) claimcheck jobs={'auto' if args.jobs == 0 else args.jobs} ({jobs})"
    parallel, parallel_fp = run_claimcheck(corpus, len(paths), args.jobs, label, False, args.model)
    workers = peak_rss_mb(resource.RUSAGE_CHILDREN)
    parallel.notes.append(f"largest worker peak RSS (RUSAGE_CHILDREN): {workers:.0f} MB")
    results = [floor, naive, serial, parallel]

    emit("")
    emit(table(results, total_bytes, floor.seconds))
    emit("")
    for r in results:
        for note in r.notes:
            emit(f"{r.method}: {note}")
    emit(
        f"(d) per core: {parallel.pages / parallel.seconds / jobs:,.1f} pages/s "
        f"over {jobs} processes; speed-up over (c): {serial.seconds / parallel.seconds:.2f}x"
    )
    assert serial_fp == parallel_fp, "parallel findings differ from the serial run"
    emit(f"deterministic: yes ({serial.findings:,} findings, identical in (c) and (d))")
    target = 300
    verdict = "meets" if serial.pages / serial.seconds >= target else "misses"
    emit(f"target {target} pages/s per core end to end: {verdict} (c)")

    emit(f"load average after: {_load()}")
    if args.profile:
        text, stages = profile_claimcheck(paths[:PROFILE_PAGES], args.model)
        emit(text)
        total = dict(stages)["total (profiled)"]
        emit(f"--- time per stage ({min(PROFILE_PAGES, len(paths))} pages, under cProfile) ---")
        for stage, seconds in stages:
            emit(f"{stage:<40} {seconds:8.3f} s  {100 * seconds / total:5.1f} %")
        sample = paths[:PROFILE_PAGES]
        rows = stage_clock(sample, args.model)
        total = rows[-1][1]
        emit(f"\n--- time per stage without profiler ({len(sample)} pages, jobs=1) ---")
        for stage, seconds in rows:
            per_page = 1000 * seconds / len(sample)
            emit(f"{stage:<48} {per_page:7.2f} ms/page  {100 * seconds / total:5.1f} %")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.keep:
        run(Path(args.keep), args, print)
    else:
        with tempfile.TemporaryDirectory(prefix="claimcheck-bench-") as tmp:
            run(Path(tmp) / "corpus", args, print)
    return 0


if __name__ == "__main__":
    sys.exit(main())
