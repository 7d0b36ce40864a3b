"""WARC reading speed (warcio against FastWARC) and the keyword pre-filter's effect.

What: writes a gzip-per-record WARC with warcio's own WARCWriter: `--pages` response
records (claimcheck's samples/ pages mixed with unrelated pages written from recipe,
sports, software and travel sentences, one sample in every `--mix` pages) plus a request
record and a metadata record per page, the way Common Crawl files hold them. Then:

  reading   records/s and MB/s (compressed file size / seconds) for
            (a) naive gzip.open + a scan for "WARC/1." lines: decompression floor;
            (b) `warcfile.iter_warc_inputs(reader="warcio")` (2xx HTML/text responses,
                bodies capped and decoded), what `check` does without FastWARC;
            (c) the same with reader="fastwarc", what `check` does with it installed;
            (d) FastWARC's own iterator with the same selection and no claimcheck code.
            (b) and (c) must yield the same pages (URL and body bytes).
  filter    pages/s of `check` on `--check-pages` pages without and with the keyword
            pre-filter (FastWARC reading when installed), and with it read by warcio;
            one process, rules only, engine warmed first on unrelated pages. It also
            says the share of pages skipped, whether the kept pages' findings are
            identical to the unfiltered run, and that no skipped page had a finding.

Why: docs/warc.md decides the reader and the pre-filter from these numbers
(docs/performance.md has the table).

Run from the repository root:

    PYTHONPATH=src python benchmarks/warc_read.py                  # 3,000 pages
    PYTHONPATH=src python benchmarks/warc_read.py --pages 200 --check-pages 100
"""

from __future__ import annotations

import argparse
import gzip
import io
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"

RECIPE = (
    "Whisk the eggs with a pinch of salt until the yolks turn pale.",
    "Fold the flour in gently so the batter keeps its air.",
    "Roast the peppers until the skins blister, then let them steam in a covered bowl.",
    "A splash of lime juice brightens the salsa just before serving.",
    "Let the dough rest for an hour in a warm corner of the kitchen.",
    "Slice the onions thinly and cook them slowly until they are deep gold.",
    "Toast the cumin seeds in a dry pan until they smell nutty.",
    "Serve the soup with warm tortillas and a spoonful of crema.",
)
SPORTS = (
    "The home side pressed high from the first whistle and scored twice before halftime.",
    "Their goalkeeper made four saves in the last ten minutes to keep the lead.",
    "The marathon route crosses the river three times before the finish by the old market.",
    "After a rain delay the final set went to a tiebreak that lasted twenty points.",
    "The coach rotated the squad ahead of the away fixture on Wednesday.",
    "Season tickets for the new stadium go on sale in the spring.",
    "The relay team shaved a second off their best time at the regional meet.",
    "Fans lined the boulevard to watch the cyclists sprint for the line.",
)
SOFTWARE = (
    "The new release moves configuration into a single file at the project root.",
    "Run the migration before restarting the service so the schema matches.",
    "The library now streams responses instead of buffering them in memory.",
    "A flaky test turned out to depend on the order of dictionary keys.",
    "Pin the compiler version in continuous integration to keep builds reproducible.",
    "The command prints a summary line and exits with a non-zero code on failure.",
    "Caching the parsed templates cut the start-up time in half.",
    "The API returns paginated results with a cursor for the next page.",
)
TRAVEL = (
    "The ferry leaves the harbour at dawn and reaches the island by mid-morning.",
    "Pack a light jacket: evenings in the mountains turn cold quickly.",
    "The old town is best explored on foot, away from the main avenue.",
    "Museums close on Mondays, so plan the gallery visit for later in the week.",
    "A night bus connects the two cities and saves the cost of a hotel.",
    "Street vendors sell grilled corn near the cathedral every evening.",
    "The hiking trail climbs through pine forest to a lookout over the valley.",
    "Local markets open early and are busiest on Saturday mornings.",
)
THEMES = (RECIPE, SPORTS, SOFTWARE, TRAVEL)
MENU = ("Home", "Archive", "Guides", "Reviews", "Events", "Gallery", "About")
FOOTERS = (
    "",
    "Home · About · Archive",
    "Subscribe to our newsletter for weekly updates.",
    "Contact us · Privacy policy · Terms of use",
)


def unrelated_page(rng: random.Random, n: int, size: tuple[int, int] = (20, 60)) -> bytes:
    """An HTML page of `size` (20 to 60) sentences from one theme, with a menu and most
    with a footer: an ordinary article or blog post, with no health-care content."""
    theme = rng.choice(THEMES)
    sentences = [rng.choice(theme) for _ in range(rng.randint(*size))]
    paragraphs = "".join(
        f"<p>{' '.join(sentences[i : i + 4])}</p>" for i in range(0, len(sentences), 4)
    )
    menu = "".join(f'<li><a href="/{w.lower()}">{w}</a></li>' for w in MENU)
    footer = rng.choice(FOOTERS)
    html = (
        f"<!doctype html><html><head><title>Notes {n}</title></head><body>"
        f"<nav><ul>{menu}</ul></nav><h1>Notes {n}</h1>{paragraphs}"
        f"<footer>{footer}</footer></body></html>"
    )
    return html.encode("utf-8")


def sample_pages() -> list[tuple[str, bytes, str]]:
    """claimcheck's own sample pages: (name, bytes, Content-Type)."""
    types = {".html": "text/html; charset=utf-8", ".md": "text/markdown", ".txt": "text/plain"}
    return [
        (p.name, p.read_bytes(), types[p.suffix])
        for p in sorted(SAMPLES.iterdir())
        if p.suffix in types
    ]


def mixed_pages(
    count: int, mix: int, seed: int = 14, size: tuple[int, int] = (20, 60)
) -> Iterator[tuple[str, bytes, str]]:
    """(URL, body, Content-Type): one sample page in every `mix`, the rest unrelated pages
    of `size` sentences."""
    rng = random.Random(seed)
    samples = sample_pages()
    for i in range(count):
        if mix and i % mix == 0:
            name, body, ctype = samples[(i // mix) % len(samples)]
            yield f"https://clinic{i}.example/{name}", body, ctype
        else:
            yield f"https://site{i}.example/notes", unrelated_page(rng, i, size), "text/html"


def write_warc(path: Path, pages: Iterator[tuple[str, bytes, str]]) -> int:
    """A gzip-per-record WARC/1.0 with warcio's writer: warcinfo, then per page a request,
    a response and a metadata record, as Common Crawl lays them out. Returns pages written."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    written = 0
    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=True, warc_version="WARC/1.0")
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "bench"}))
        for url, body, ctype in pages:
            req = StatusAndHeaders("GET / HTTP/1.1", [("Host", "x")], is_http_request=True)
            writer.write_record(
                writer.create_warc_record(
                    url, "request", payload=io.BytesIO(b""), length=0, http_headers=req
                )
            )
            http = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(
                    url,
                    "response",
                    payload=io.BytesIO(body),
                    length=len(body),
                    http_headers=http,
                    warc_headers_dict={"WARC-Identified-Payload-Type": ctype.split(";")[0]},
                )
            )
            meta = b"fetchTimeMs: 12\r\n"
            writer.write_record(
                writer.create_warc_record(
                    url,
                    "metadata",
                    payload=io.BytesIO(meta),
                    length=len(meta),
                    warc_content_type="application/warc-fields",
                )
            )
            written += 1
    return written


def read_naive(path: Path) -> int:
    """Records counted by scanning the decompressed stream for WARC version lines."""
    count = 0
    with gzip.open(path, "rb") as handle:
        for line in handle:
            if line.startswith(b"WARC/1."):
                count += 1
    return count


def read_with(reader: str):
    """The pages `check` reads, through warcfile with `reader` ("warcio" or "fastwarc")."""

    def read(path: Path) -> list[tuple[str, bytes]]:
        from claimcheck.crawl.warcfile import iter_warc_inputs

        pages = iter_warc_inputs(str(path), 20 << 20, reader=reader)
        return [(p.origin.path, p.data) for p in pages]

    return read


def read_fastwarc(path: Path) -> list[tuple[str, bytes]] | None:
    """The same selection with FastWARC's own iterator alone, no claimcheck code (None
    when it is not installed): the floor for the FastWARC path."""
    try:
        from fastwarc.warc import ArchiveIterator, WarcRecordType
    except ImportError:
        return None
    out = []
    with open(path, "rb") as handle:
        for record in ArchiveIterator(handle, record_types=WarcRecordType.response):
            record.parse_http()
            status = record.http_headers.status_code if record.http_headers else 0
            ctype = (record.http_headers.get("Content-Type") or "").split(";")[0].strip()
            if 200 <= status < 300 and ctype in ("text/html", "text/plain", "text/markdown"):
                url = record.headers.get("WARC-Target-URI")
                out.append((url, record.reader.read()))
    return out


def timed(fn, *args):
    """`fn(*args)` and the CPU seconds it took in this process: the machine is shared, and
    wall time under other jobs' load varied threefold between runs."""
    start = time.process_time()
    result = fn(*args)
    return result, time.process_time() - start


def check_rate(path: Path, warmup: Path, keyword_filter: bool, reader: str = "fastwarc"):
    """Seconds `check` takes over the WARC, and its report. The engine and the filter are
    built and run over `warmup` first: RE2 builds its DFA states lazily, and the first
    few hundred pages pay for that, which a segment of 30,000 pages does not notice."""
    from claimcheck.config import Config
    from claimcheck.crawl import warcfile
    from claimcheck.engine import Engine, build_report, iter_reports

    available = warcfile.fastwarc_available
    if reader == "warcio":  # what `check` does where FastWARC is not installed
        warcfile.fastwarc_available = lambda: False
    try:
        engine = Engine(Config(jobs=1, model="none"), keyword_filter=keyword_filter)
        build_report(iter_reports([str(warmup)], engine=engine), engine)
        return timed(lambda: build_report(iter_reports([str(path)], engine=engine), engine))
    finally:
        warcfile.fastwarc_available = available


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=3000)
    parser.add_argument("--mix", type=int, default=20, help="one sample page in every N")
    parser.add_argument("--check-pages", type=int, default=1000)
    parser.add_argument("--warmup-pages", type=int, default=200)
    args = parser.parse_args()
    from claimcheck.crawl.warcfile import fastwarc_available

    with tempfile.TemporaryDirectory() as tmp:
        warc = Path(tmp, "mixed.warc.gz")
        written = write_warc(warc, mixed_pages(args.pages, args.mix))
        records = 1 + 3 * written
        mb = warc.stat().st_size / 1e6
        print(f"WARC: {written} pages, {records} records, {mb:.1f} MB gzip-per-record")
        print(f"python {sys.version.split()[0]}")
        rows = []
        count, seconds = timed(read_naive, warc)
        rows.append(("naive gzip scan", count, seconds))
        ours, seconds = timed(read_with("warcio"), warc)
        rows.append(("warcfile, warcio", records, seconds))
        fast = None
        if fastwarc_available():
            fast, seconds = timed(read_with("fastwarc"), warc)
            rows.append(("warcfile, FastWARC", records, seconds))
            _raw, seconds = timed(read_fastwarc, warc)
            rows.append(("FastWARC iterator alone", records, seconds))
        for name, n, secs in rows:
            print(f"  {name:<26} {n / secs:>9.0f} records/s  {mb / secs:>6.1f} MB/s  (CPU)")
        if fast is not None:
            print(f"  FastWARC pages identical to warcio's: {'yes' if fast == ours else 'NO'}")
        small, warmup = Path(tmp, "check.warc.gz"), Path(tmp, "warmup.warc.gz")
        write_warc(small, mixed_pages(args.check_pages, args.mix))
        write_warc(warmup, mixed_pages(args.warmup_pages, 0, seed=1))  # no sample page
        full, t_full = check_rate(small, warmup, False)
        kept, t_kept = check_rate(small, warmup, True)
        slow = None
        if fastwarc_available():
            slow, t_slow = check_rate(small, warmup, True, reader="warcio")
        unrelated = Path(tmp, "unrelated.warc.gz")
        write_warc(unrelated, mixed_pages(args.check_pages // 2, 0, seed=2))
        _all, t_engine = check_rate(unrelated, warmup, False)
        _none, t_filter = check_rate(unrelated, warmup, True)
        t_filter_warcio = None
        if fastwarc_available():
            t_filter_warcio = check_rate(unrelated, warmup, True, reader="warcio")[1]
        m = len(_all.files)
        n = len(full.files)
        skipped = kept.prefilter_skipped
        by_path = {p.path: p.findings for p in full.files}
        same = all(by_path[p.path] == p.findings for p in kept.files)
        kept_paths = {p.path for p in kept.files}
        silent = all(not f for path, f in by_path.items() if path not in kept_paths)
        print(f"check on {n} pages (rules only, 1 process, pages per CPU second):")
        print(f"  without pre-filter {n / t_full:>7.1f} pages/s")
        print(f"  with pre-filter    {n / t_kept:>7.1f} pages/s  ({t_full / t_kept:.1f}x)")
        if slow is not None:
            print(f"  with pre-filter, read by warcio {n / t_slow:>7.1f} pages/s")
        print(f"  skipped {skipped} of {n} pages ({100 * skipped / n:.0f} %)")
        print(f"unrelated pages only ({m}, all skipped: {'yes' if not _none.files else 'NO'}):")
        print(
            f"  full check {1000 * t_engine / m:.2f} ms/page, pre-filter and skip "
            f"{1000 * t_filter / m:.2f} ms/page (CPU, reading included)"
        )
        if t_filter_warcio is not None:
            print(f"  pre-filter and skip, read by warcio {1000 * t_filter_warcio / m:.2f} ms/page")
        print(f"  kept pages' findings identical: {'yes' if same else 'NO'}")
        print(f"  skipped pages had no findings: {'yes' if silent else 'NO'}")
        identical = slow is None or [p.findings for p in slow.files] == [
            p.findings for p in kept.files
        ]
        return 0 if same and silent and identical and (fast is None or fast == ours) else 1


if __name__ == "__main__":
    sys.exit(main())
