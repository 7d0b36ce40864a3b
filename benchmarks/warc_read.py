"""WARC reading speed (warcio against FastWARC) and the keyword pre-filter's effect.

What: writes a gzip-per-record WARC with warcio's own WARCWriter: `--pages` response
records (claimcheck's samples/ pages mixed with unrelated pages written from recipe,
sports, software and travel sentences, one sample in every `--mix` pages) plus a request
record and a metadata record per page, the way Common Crawl files hold them. Then:

  reading   records/s and MB/s (compressed file size / seconds) for
            (a) naive     gzip.open + a scan for "WARC/1." lines: decompression floor;
            (b) warcio    `warcfile.iter_warc_inputs`, what `check` uses (2xx HTML/text
                          responses, bodies capped and decoded);
            (c) fastwarc  FastWARC's ArchiveIterator with the same selection, when
                          installed; it must yield the same pages (URL and body bytes).
  filter    pages/s of `check` on the first `--check-pages` pages with and without the
            keyword pre-filter (one process, rules only), the share of pages skipped, and
            whether the findings of the kept pages are identical to the unfiltered run
            and every skipped page has none in it.

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
FOOTERS = (
    "",
    "Home · About · Archive",
    "Subscribe to our newsletter for weekly updates.",
    "Contact us · Privacy policy · Terms of use",
)


def unrelated_page(rng: random.Random, n: int) -> bytes:
    """An HTML page of 5 to 14 sentences from one theme (no health-care content)."""
    theme = rng.choice(THEMES)
    sentences = [rng.choice(theme) for _ in range(rng.randint(5, 14))]
    paragraphs = "".join(
        f"<p>{' '.join(sentences[i : i + 3])}</p>" for i in range(0, len(sentences), 3)
    )
    footer = rng.choice(FOOTERS)
    html = (
        f"<!doctype html><html><head><title>Notes {n}</title></head><body>"
        f"<h1>Notes {n}</h1>{paragraphs}<footer>{footer}</footer></body></html>"
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


def mixed_pages(count: int, mix: int, seed: int = 14) -> Iterator[tuple[str, bytes, str]]:
    """(URL, body, Content-Type): one sample page in every `mix`, the rest unrelated."""
    rng = random.Random(seed)
    samples = sample_pages()
    for i in range(count):
        if mix and i % mix == 0:
            name, body, ctype = samples[(i // mix) % len(samples)]
            yield f"https://clinic{i}.example/{name}", body, ctype
        else:
            yield f"https://site{i}.example/notes", unrelated_page(rng, i), "text/html"


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


def read_warcio(path: Path) -> list[tuple[str, bytes]]:
    """The pages `check` reads, through warcfile (warcio)."""
    from claimcheck.crawl.warcfile import iter_warc_inputs

    return [(p.origin.path, p.data) for p in iter_warc_inputs(str(path), 20 << 20)]


def read_fastwarc(path: Path) -> list[tuple[str, bytes]] | None:
    """The same selection through FastWARC (None when it is not installed)."""
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
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def check_rate(path: Path, warmup: Path, keyword_filter: bool):
    """Seconds `check` takes over the WARC, and its report. The engine and the filter are
    built and run over `warmup` first: RE2 builds its DFA states lazily, and the first
    few hundred pages pay for that, which a segment of 30,000 pages does not notice."""
    from claimcheck.config import Config
    from claimcheck.engine import Engine, build_report, iter_reports

    engine = Engine(Config(jobs=1, model="none"), keyword_filter=keyword_filter)
    build_report(iter_reports([str(warmup)], engine=engine), engine)
    return timed(lambda: build_report(iter_reports([str(path)], engine=engine), engine))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=3000)
    parser.add_argument("--mix", type=int, default=20, help="one sample page in every N")
    parser.add_argument("--check-pages", type=int, default=1000)
    parser.add_argument("--warmup-pages", type=int, default=200)
    args = parser.parse_args()
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
        ours, seconds = timed(read_warcio, warc)
        rows.append(("warcio (check's reader)", records, seconds))
        fast, seconds = timed(read_fastwarc, warc)
        if fast is not None:
            rows.append(("fastwarc", records, seconds))
        for name, n, secs in rows:
            print(f"  {name:<26} {n / secs:>9.0f} records/s  {mb / secs:>6.1f} MB/s")
        if fast is not None:
            print(f"  fastwarc pages identical: {'yes' if fast == ours else 'NO'}")
        small, warmup = Path(tmp, "check.warc.gz"), Path(tmp, "warmup.warc.gz")
        write_warc(small, mixed_pages(args.check_pages, args.mix))
        write_warc(warmup, mixed_pages(args.warmup_pages, args.mix, seed=1))
        full, t_full = check_rate(small, warmup, False)
        kept, t_kept = check_rate(small, warmup, True)
        n = len(full.files)
        skipped = kept.prefilter_skipped
        by_path = {p.path: p.findings for p in full.files}
        same = all(by_path[p.path] == p.findings for p in kept.files)
        kept_paths = {p.path for p in kept.files}
        silent = all(not f for path, f in by_path.items() if path not in kept_paths)
        print(f"check on {n} pages (rules only, 1 process):")
        print(f"  without pre-filter {n / t_full:>7.1f} pages/s")
        print(f"  with pre-filter    {n / t_kept:>7.1f} pages/s  ({t_full / t_kept:.1f}x)")
        print(f"  skipped {skipped} of {n} pages ({100 * skipped / n:.0f} %)")
        print(f"  kept pages' findings identical: {'yes' if same else 'NO'}")
        print(f"  skipped pages had no findings: {'yes' if silent else 'NO'}")
        return 0 if same and silent and (fast is None or fast == ours) else 1


if __name__ == "__main__":
    sys.exit(main())
