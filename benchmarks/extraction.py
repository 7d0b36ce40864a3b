"""Extraction + segmentation throughput on synthetic ~55 KB clinic pages.

Two pages: "typical" (markup, inline script/CSS/SVG, wrapper divs, ~200 text blocks, like
a CMS-built clinic page) and "dense" (almost all visible text, ~750 blocks: a worst case).

Run: PYTHONPATH=src python benchmarks/extraction.py
"""

from __future__ import annotations

import time

from claimcheck.extract import extract_text
from claimcheck.model import Origin
from claimcheck.segment import segment

DENSE_SECTION = """
<section class="treatment">
  <h2>Stem cell therapy for type {n} diabetes</h2>
  <p>Our <strong>mesenchymal stem cell</strong> protocol is offered by Dr. López in
  Tijuana. HbA1c fell from 8.1% to 6.5% in approx. 12 weeks in some patients.
  <a href="/book">Book a consultation</a> today!</p>
  <ul><li>Free evaluation</li><li>Cells from umbilical cord tissue</li>
  <li>Results may vary; this treatment is investigational.</li></ul>
  <div class="testimonial"><p>"I stopped insulin after two months," says María G.</p>
  <img src="maria.jpg" alt="María, a patient from Monterrey"></div>
  <table><tr><td>Package</td><td>$12,000 USD</td></tr></table>
  <p style="font-size:9px">Not evaluated by the FDA. Consulte a su médico.</p>
</section>
"""

TYPICAL_SECTION = """
<div class="elementor-section elementor-top-section elementor-element" data-id="{n}a9f"
     data-element_type="section" data-settings='{{"background_background":"classic"}}'>
 <div class="elementor-container elementor-column-gap-default">
  <div class="elementor-column elementor-col-50 elementor-top-column" data-id="{n}b1">
   <div class="elementor-widget-wrap elementor-element-populated">
    <div class="elementor-element elementor-widget elementor-widget-heading">
     <div class="elementor-widget-container">
      <h2 class="elementor-heading-title elementor-size-default">Stem cell therapy for
      type {n} diabetes</h2></div></div>
    <div class="elementor-element elementor-widget elementor-widget-text-editor">
     <div class="elementor-widget-container">
      <p>Our <strong>mesenchymal stem cell</strong> protocol is offered by Dr. López in
      Tijuana. HbA1c fell from 8.1% to 6.5% in approx. 12 weeks in some patients. Results
      may vary and the treatment is investigational.</p>
      <ul class="elementor-icon-list-items"><li class="elementor-icon-list-item">
      <span class="elementor-icon-list-icon"><svg aria-hidden="true" class="e-font-icon-svg"
      viewBox="0 0 512 512"><path d="M173.898 439.404l-166.4-166.4c-9.997-9.997-9.997-26.206
      0-36.204l36.203-36.204c9.997-9.998 26.207-9.998 36.204 0L192 312.69 432.095 72.596c9.997
      -9.997 26.207-9.997 36.204 0l36.203 36.204c9.997 9.997 9.997 26.206 0 36.204l-294.4 294.
      401c-9.998 9.997-26.207 9.997-36.204-.001z"></path></svg></span>
      <span class="elementor-icon-list-text">Free evaluation</span></li></ul>
     </div></div>
    <div class="elementor-element elementor-widget elementor-widget-image">
     <div class="elementor-widget-container"><img decoding="async" width="800" height="533"
      src="https://clinic.example/wp-content/uploads/2024/05/patient-{n}.jpg"
      class="attachment-large size-large wp-image-{n}" alt="Patient {n} after treatment"
      srcset="https://clinic.example/wp-content/uploads/2024/05/patient-{n}.jpg 800w,
      https://clinic.example/wp-content/uploads/2024/05/patient-{n}-300x200.jpg 300w"
      sizes="(max-width: 800px) 100vw, 800px"></div></div>
   </div></div></div></div>
"""


def _head(script_kb: int) -> str:
    script = "window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}"
    css = ".elementor-kit-5{--e-global-color-primary:#6EC1E4;--e-global-color-text:#7A7A7A}"
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Clinic</title>"
        + "".join(f"<meta name='m{i}' content='value {i}'>" for i in range(20))
        + f"<script>{script * (script_kb * 1024 // len(script))}</script>"
        + f"<style>{css * (6 * 1024 // len(css))}</style></head><body>"
        + "<nav><ul>"
        + "".join(f"<li><a href='/p{i}'>Page {i}</a></li>" for i in range(25))
        + "</ul></nav><main>"
    )


def typical_page() -> str:
    """About 55 KB, a third of it visible text, like a page-builder clinic page."""
    body = "".join(TYPICAL_SECTION.format(n=i) for i in range(16))
    footer = "<footer><p>© Clinic S.A. de C.V. Not evaluated by the FDA.</p></footer>"
    return _head(12) + body + "</main>" + footer + "</body></html>"


def dense_page() -> str:
    """About 55 KB of nearly all visible text: the worst case for per-block costs."""
    body = "".join(DENSE_SECTION.format(n=1 + i % 2) for i in range(75))
    head = "<!doctype html><html lang='en'><head><title>Clinic</title></head>"
    return f"{head}<body><main>{body}</main></body></html>"


def _best(func: object, runs: int, repeats: int = 5) -> float:
    """Seconds per call, the best of `repeats` batches (least disturbed by other load)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(runs):
            func()  # type: ignore[operator]
        best = min(best, (time.perf_counter() - start) / runs)
    return best


def measure(name: str, html: str, runs: int = 50) -> None:
    origin = Origin("bench.html")
    doc = extract_text(html, "html", origin)
    sentences = segment(doc)
    extract_s = _best(lambda: extract_text(html, "html", origin), runs)
    segment_s = _best(lambda: segment(doc), runs)
    size = len(html.encode()) / 1024
    print(f"{name}: {size:.1f} KB, {len(doc.blocks)} blocks, {len(sentences)} sentences")
    print(f"  extract:         {1 / extract_s:6.0f} pages/s ({extract_s * 1e3:.2f} ms)")
    print(f"  segment:         {1 / segment_s:6.0f} pages/s ({segment_s * 1e3:.2f} ms)")
    both = extract_s + segment_s
    print(f"  extract+segment: {1 / both:6.0f} pages/s ({both * 1e3:.2f} ms)")


def main() -> None:
    measure("typical", typical_page())
    measure("dense", dense_page())


if __name__ == "__main__":
    main()
