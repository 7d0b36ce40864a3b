"""Tests for claimcheck.extract: HTML, Markdown and plain text to Blocks."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimcheck.extract import extract, extract_text
from claimcheck.model import Block, Document, Origin
from claimcheck.sources import read_path

ORIGIN = Origin("test")


def html(source: str) -> Document:
    return extract_text(source, "html", ORIGIN)


def by_text(doc: Document) -> dict[str, Block]:
    return {block.text: block for block in doc.blocks}


def at(source: str, block: Block) -> str:
    """The source text at a block's line and column."""
    return source.split("\n")[block.line - 1][block.column - 1 :]


PAGE = """<!doctype html>
<html lang="es-MX">
<head><title>Clínica  Regenera</title><style>p { color: red }</style>
<script>var scripted = "diabetes";</script><meta name="description" content="meta text"></head>
<body>
<header><nav><a href="/">Inicio</a> <a href="/t">Tratamientos</a></nav>
<h1>Stem cells   for <em>diabetes</em></h1></header>
<main>
<p>Stem cells <b>reverse</b>
   diabetes.<br>Call now!</p>
<div class="Testimonial card"><p class="quote">I was cured!</p>loose text</div>
<ul><li>First item</li><li>Second <a href="#">linked</a> item</li></ul>
<dl><dt>Term</dt><dd>Definition</dd></dl>
<table><tr><th>Package</th><td>$5,000</td></tr></table>
<blockquote><p>Quoted claim.</p></blockquote>
<img src="a.jpg" alt="Happy patient"><img src="b.jpg" alt="">
<aside>Related links</aside>
<figure><figcaption>Figure caption</figcaption></figure>
<template><p>template text</p></template><svg><text>svg text</text></svg>
</main>
<footer><p>© 2024 Clinic</p></footer>
<div id="page-footer">Footer by id</div><div role="contentinfo">Footer by role</div>
</body></html>
"""


def test_html_block_kinds_and_document_fields() -> None:
    doc = html(PAGE)
    blocks = by_text(doc)
    assert doc.lang == "es-MX"
    assert doc.title == "Clínica Regenera"
    assert doc.source_text == PAGE
    assert blocks["Clínica Regenera"].kind == "title"
    assert blocks["Stem cells for diabetes"].kind == "heading"
    assert blocks["Stem cells reverse diabetes. Call now!"].kind == "paragraph"
    assert blocks["First item"].kind == "list_item"
    assert blocks["Second linked item"].kind == "list_item"
    assert blocks["Term"].kind == "list_item" and blocks["Definition"].kind == "list_item"
    assert blocks["Package"].kind == "table_cell" and blocks["$5,000"].kind == "table_cell"
    assert blocks["Quoted claim."].kind == "quote"
    assert blocks["Happy patient"].kind == "alt_text"
    assert blocks["loose text"].kind == "paragraph"
    assert blocks["Figure caption"].kind == "other"
    text = " ".join(blocks)
    for dropped in ("scripted", "template text", "svg text", "color"):
        assert dropped not in text
    # The meta description is read, as its own block in the page head (what search shows).
    assert blocks["meta text"].kind == "meta"
    assert blocks["meta text"].meta == "meta description"
    assert blocks["meta text"].region == "header"
    assert "" not in blocks


def test_html_regions_and_classes() -> None:
    blocks = by_text(html(PAGE))
    assert blocks["Inicio Tratamientos"].region == "nav"
    assert blocks["Stem cells for diabetes"].region == "header"
    assert blocks["Stem cells reverse diabetes. Call now!"].region == "main"
    assert blocks["Related links"].region == "aside"
    assert blocks["© 2024 Clinic"].region == "footer"
    assert blocks["Footer by id"].region == "footer"
    assert blocks["Footer by role"].region == "footer"
    assert blocks["I was cured!"].css_class == "quote testimonial card"
    assert blocks["loose text"].css_class == "testimonial card"
    assert blocks["First item"].css_class == ""


def test_header_inside_article_is_not_page_header() -> None:
    doc = html(
        "<body><article><header><h2>Post title</h2></header></article>"
        "<div role=banner>Banner</div><div role=navigation>Menu</div></body>"
    )
    blocks = by_text(doc)
    assert blocks["Post title"].region == "main"
    assert blocks["Banner"].region == "header"
    assert blocks["Menu"].region == "nav"


def test_html_lines_and_columns() -> None:
    blocks = by_text(html(PAGE))
    assert (blocks["Clínica Regenera"].line, blocks["Clínica Regenera"].column) == (3, 14)
    assert (blocks["Inicio Tratamientos"].line, blocks["Inicio Tratamientos"].column) == (6, 26)
    assert (blocks["Stem cells for diabetes"].line, blocks["Stem cells for diabetes"].column) == (
        7,
        5,
    )
    para = blocks["Stem cells reverse diabetes. Call now!"]
    assert (para.line, para.column) == (9, 4)
    assert (blocks["Happy patient"].line, blocks["Happy patient"].column) == (16, 23)
    assert (blocks["© 2024 Clinic"].line, blocks["© 2024 Clinic"].column) == (21, 12)
    for block in blocks.values():
        if block.kind != "title" and "&" not in block.text:
            assert at(PAGE, block).startswith(block.text.split(" ")[0]), block


def test_multiline_start_tag_alt_text_column() -> None:
    source = '<p>Intro text</p>\n<img src="x.jpg"\n     alt="Before and after"\n     width=3>'
    block = by_text(html(source))["Before and after"]
    assert (block.line, block.column) == (3, 11)


@pytest.mark.parametrize(
    "markup",
    [
        "<p hidden>SECRET</p>",
        '<p aria-hidden="true">SECRET</p>',
        '<p style="display: none">SECRET</p>',
        '<p style="visibility:hidden">SECRET</p>',
        '<p style="font-size:6px">SECRET</p>',
        '<p style="font-size: 0">SECRET</p>',
        '<p style="font-size:0em">SECRET</p>',
        "<noscript><p>SECRET</p></noscript>",
        "<div hidden><section><p>SECRET</p></section></div>",
        '<div style="DISPLAY:NONE"><ul><li>SECRET</li></ul></div>',
        '<p>Visible <span style="display:none">SECRET</span> words</p>',
    ],
)
def test_hidden(markup: str) -> None:
    blocks = by_text(html(f"<body><p>Shown</p>{markup}</body>"))
    assert blocks["SECRET"].hidden is True
    assert blocks["Shown"].hidden is False
    assert blocks["SECRET"].fine_print is False


def test_hidden_span_splits_its_paragraph() -> None:
    doc = html('<p>Visible <span style="display:none">SECRET</span> words</p>')
    assert [(b.text, b.hidden) for b in doc.blocks] == [
        ("Visible", False),
        ("SECRET", True),
        ("words", False),
    ]


@pytest.mark.parametrize(
    "markup",
    [
        "<p><small>FINE</small></p>",
        "<div><small>FINE</small></div>",
        '<p class="fine-print">FINE</p>',
        '<div class="legal FinePrint"><p>FINE</p></div>',
        '<p class="small-print">FINE</p>',
        '<p class="disclaimer-small">FINE</p>',
        '<p style="font-size:10px">FINE</p>',
        '<p style="font-size:7px">FINE</p>',
        "<details><summary>More</summary><p>FINE</p></details>",
    ],
)
def test_fine_print(markup: str) -> None:
    blocks = by_text(html(f"<body><p>Normal</p>{markup}</body>"))
    assert blocks["FINE"].fine_print is True
    assert blocks["FINE"].hidden is False
    assert blocks["Normal"].fine_print is False


def test_details_summary_and_open_details() -> None:
    closed = by_text(html("<details><summary>Summary</summary>Body text</details>"))
    assert closed["Summary"].fine_print is False
    assert closed["Body text"].fine_print is True
    opened = by_text(html("<details open><summary>S</summary><p>Body text</p></details>"))
    assert opened["Body text"].fine_print is False


def test_font_size_boundaries() -> None:
    blocks = by_text(
        html(
            '<p style="font-size:11px">eleven</p><p style="font-size:6.5px">six-half</p>'
            '<p style="font-size:1em">em</p><p style="font-size:8pt">pt</p>'
        )
    )
    assert not blocks["eleven"].fine_print and not blocks["eleven"].hidden
    assert blocks["six-half"].fine_print and not blocks["six-half"].hidden
    assert not blocks["em"].fine_print and not blocks["pt"].fine_print


def test_entities_nbsp_and_invisible_characters() -> None:
    blocks = html("<p>Cure&nbsp;&amp; re\u00adverse dia\u200bbetes</p>").blocks
    assert [b.text for b in blocks] == ["Cure & reverse diabetes"]


def test_missing_html_lang_and_title() -> None:
    doc = html("<p>Only a paragraph</p>")
    assert doc.lang is None and doc.title == ""
    assert [b.text for b in doc.blocks] == ["Only a paragraph"]


def test_extract_raw_input_from_utf16_file(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_bytes("<html lang=es><p>Células madre</p>\n<p>Dos</p></html>".encode("utf-16"))
    doc = extract(read_path(str(path)))
    assert [(b.text, b.line) for b in doc.blocks] == [("Células madre", 1), ("Dos", 2)]
    assert doc.lang == "es" and doc.origin.encoding == "utf-16-le"


def test_extract_latin1_declared(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    source = '<meta charset="iso-8859-1"><p>Investigación clínica</p>'
    path.write_bytes(source.encode("latin-1"))
    doc = extract(read_path(str(path)))
    assert [b.text for b in doc.blocks] == ["Investigación clínica"]


# ---------------------------------------------------------------- hostile input


def timed(source: str, fmt: str = "html") -> tuple[Document, float]:
    start = time.perf_counter()
    doc = extract_text(source, fmt, ORIGIN)  # type: ignore[arg-type]
    return doc, time.perf_counter() - start


def test_deep_nesting_does_not_crash() -> None:
    doc, seconds = timed("<div>" * 20_000 + "deep text" + "</div>" * 20_000 + "<p>after</p>")
    assert seconds < 5
    assert "after" in [b.text for b in doc.blocks]
    doc, seconds = timed("<span><b>" * 10_000 + "x")
    assert seconds < 5 and isinstance(doc.blocks, tuple)


def test_two_megabyte_single_line() -> None:
    source = "<p>" + "Stem cells cure diabetes. " * 80_000 + "</p>" + "<p>short</p>" * 2000
    doc, seconds = timed(source)
    assert seconds < 10
    assert doc.blocks[0].text.startswith("Stem cells cure diabetes.")
    assert doc.blocks[-1].text == "short" and doc.blocks[-1].line == 1
    assert doc.blocks[-1].column == source.rindex("short") + 1


def test_nul_bytes_and_control_characters() -> None:
    doc = html("<p>Stem\x00 cells\x01 cure\x0b</p>\x00<p>ok</p>")
    assert [b.text for b in doc.blocks][-1] == "ok"
    assert "\x00" not in doc.source_text


@pytest.mark.parametrize(
    "source",
    [
        "<p>unterminated <b>bold",
        "<html><body><div><p>cut",
        "<",
        "</p>",
        "<!-- x",
        "<p attr='x",
        "<![CDATA[ x",
        "<?xml version='1.0'?>",
        "",
        "   ",
        "<table><td>cell",
        "&#xFFFFFFF; &#0;",
    ],
)
def test_truncated_and_broken_markup(source: str) -> None:
    doc = html(source)
    assert isinstance(doc.blocks, tuple)
    assert all(block.text == block.text.strip() and block.text for block in doc.blocks)


def test_truncated_markup_keeps_text() -> None:
    assert [b.text for b in html("<p>unterminated <b>bold").blocks] == ["unterminated bold"]


def test_many_lines_beyond_libxml2_line_limit() -> None:
    source = "<p>top</p>" + "\n" * 70_000 + "<p>far down</p>"
    block = html(source).blocks[-1]
    assert block.text == "far down" and block.line == 70_001 and block.column == 4


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/=\"' &;#!-abpdivlhtmn\n\x00é")), max_size=300))
def test_random_html_never_raises(source: str) -> None:
    doc = html(source)
    for block in doc.blocks:
        assert block.text and block.text == " ".join(block.text.split())
        assert block.line >= 1 and block.column >= 1


# ---------------------------------------------------------------- Markdown

MARKDOWN = """---
title: Stem cells
tags: [a, b]
---
# Stem **cell** therapy #

Our [clinic](https://x.example) offers `MSC` infusions.
They are _investigational_.

- First item
  continues here
* Second item
1. Numbered item

> Quoted line
> second line

| Plan | Price |
|------|-------|
| Basic | $5,000 |

```python
print("code is skipped")
```
![Patient photo](p.jpg) Caption text <span>inline</span> &amp; more
<!-- claimcheck: disable=CC101
     spans lines -->
Setext heading
==============
Last paragraph.
"""


def md(source: str) -> Document:
    return extract_text(source, "markdown", ORIGIN)


def test_markdown_blocks() -> None:
    doc = md(MARKDOWN)
    got = [(b.kind, b.text, b.line, b.column) for b in doc.blocks]
    assert got == [
        ("meta", "Stem cells", 2, 8),
        ("heading", "Stem cell therapy", 5, 3),
        ("paragraph", "Our clinic offers MSC infusions. They are investigational.", 7, 1),
        ("list_item", "First item continues here", 10, 3),
        ("list_item", "Second item", 12, 3),
        ("list_item", "Numbered item", 13, 4),
        ("quote", "Quoted line second line", 15, 3),
        ("table_cell", "Plan", 18, 3),
        ("table_cell", "Price", 18, 10),
        ("table_cell", "Basic", 20, 3),
        ("table_cell", "$5,000", 20, 11),
        ("paragraph", "Caption text inline & more", 25, 25),
        ("alt_text", "Patient photo", 25, 3),
        ("heading", "Setext heading", 28, 1),
        ("paragraph", "Last paragraph.", 30, 1),
    ]
    assert doc.title == "Stem cell therapy"
    # The front-matter title is read as a meta block, never the key and its colon.
    assert "title: Stem" not in " ".join(b.text for b in doc.blocks)
    assert doc.blocks[0].meta == "front matter title"


def test_markdown_anchors_map_back_exactly() -> None:
    doc = md(MARKDOWN)
    lines = MARKDOWN.split("\n")
    for block in doc.blocks:
        ends = [anchor[0] for anchor in block.anchors[1:]] + [len(block.text)]
        for (offset, line, column), end in zip(block.anchors, ends, strict=True):
            run = block.text[offset:end].strip()
            if "&" not in run:
                assert lines[line - 1][column - 1 :].startswith(run), (block, offset)


def test_markdown_unclosed_front_matter_and_fence() -> None:
    doc = md("---\nnot front matter\n\n```\nnever closed\n")
    assert [b.text for b in doc.blocks] == ["not front matter"]


# ---------------------------------------------------------------- plain text

TEXT = """Stem Cell Therapy in Tijuana

Our clinic offers stem cell infusions
for type 2 diabetes. Results vary.

- Free evaluation
• Cord tissue cells
1) Numbered item
  2. Indented number
Call us today

Short line without period
A paragraph that follows without a blank line.
"""


def test_plain_text_blocks() -> None:
    doc = extract_text(TEXT, "text", ORIGIN)
    got = [(b.kind, b.text, b.line, b.column) for b in doc.blocks]
    assert got == [
        ("heading", "Stem Cell Therapy in Tijuana", 1, 1),
        (
            "paragraph",
            "Our clinic offers stem cell infusions for type 2 diabetes. Results vary.",
            3,
            1,
        ),
        ("list_item", "Free evaluation", 6, 3),
        ("list_item", "Cord tissue cells", 7, 3),
        ("list_item", "Numbered item", 8, 4),
        ("list_item", "Indented number Call us today", 9, 6),
        (
            "paragraph",
            "Short line without period A paragraph that follows without a blank line.",
            12,
            1,
        ),
    ]


def test_plain_text_first_line_wrapped_sentence_is_not_heading() -> None:
    doc = extract_text(
        "Stem cells can help people with\ndiabetes, the clinic says.\n", "text", ORIGIN
    )
    assert [(b.kind, b.text) for b in doc.blocks] == [
        ("paragraph", "Stem cells can help people with diabetes, the clinic says.")
    ]


LONG = (
    "Cell therapies for diabetes have been studied in small trials for more than a decade, "
    "and the results so far are modest, short-lived and limited to a few hundred patients."
)


def test_plain_text_with_one_paragraph_per_line_keeps_headings_apart() -> None:
    # Text copied from a browser keeps one paragraph per line and no blank lines; a
    # heading there must not be glued to the paragraph after it.
    text = (
        f"What the trials show\n{LONG}\nWho can take part\n- Adults with type 2 diabetes\n{LONG}\n"
    )
    doc = extract_text(text, "text", ORIGIN)
    assert [(b.kind, b.line) for b in doc.blocks] == [
        ("heading", 1),
        ("paragraph", 2),
        ("heading", 3),
        ("list_item", 4),
        ("paragraph", 5),
    ]


def test_plain_text_wrapped_at_a_fixed_width_still_joins_lines() -> None:
    # Hard-wrapped text (no line over 150 characters) keeps the blank-line rules above.
    text = "Title\n\nShort line without period\nAnother line follows it.\n"
    doc = extract_text(text, "text", ORIGIN)
    assert [b.kind for b in doc.blocks] == ["heading", "paragraph"]


def test_crlf_and_cr_line_endings() -> None:
    doc = extract_text("Title\r\n\r\nFirst line\r\nsecond.\rThird.\r\n", "text", ORIGIN)
    assert [(b.text, b.line) for b in doc.blocks] == [
        ("Title", 1),
        ("First line second. Third.", 3),
    ]
    assert "\r" not in doc.source_text


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400), st.sampled_from(["markdown", "text"]))
def test_random_markdown_and_text_never_raise(source: str, fmt: str) -> None:
    doc = extract_text(source, fmt, ORIGIN)  # type: ignore[arg-type]
    lines = doc.source_text.split("\n")
    for block in doc.blocks:
        assert block.text and block.anchors
        assert 1 <= block.line <= len(lines)
        for offset, line, column in block.anchors:
            char = block.text[offset]
            assert lines[line - 1][column - 1] == char or not char.isalnum()


PIECES = [
    b"<p>",
    b"</p>",
    b"Cura total. ",
    b"{{ x }}",
    b"{% if %}",
    b"{#c#}",
    b"\r\n",
    b"\r",
    b"\x00",
    b"\xc3\xa9",
    b"\xe2\x80\x93",
    b"\xff",
    b'<meta charset="latin-1">',
    b'<div style="display:none">oculto</div>',
    b"<b>",
    b"\n",
    b"{",
]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe"]),
    st.lists(st.sampled_from(PIECES), max_size=30),
    st.sampled_from(["html", "markdown", "text"]),
    st.sampled_from([None, "utf-8", "latin-1"]),
)
def test_extract_from_bytes_matches_extract_text(
    bom: bytes, pieces: list[bytes], fmt: str, declared: str | None
) -> None:
    """extract() reuses UTF-8 bytes it can trust and skips work it can prove useless
    (template stripping, NUL removal): the result must be extract_text's on the
    decoded text, for BOMs, CRs, NULs, template tags and bytes that are not UTF-8."""
    from claimcheck.sources import RawInput, decode

    data = bom + b"".join(pieces)
    origin = Origin("page." + fmt, encoding=declared)
    via_bytes = extract(RawInput(origin, data, fmt))  # type: ignore[arg-type]
    text, encoding = decode(data, declared)
    if encoding != declared:
        origin = Origin(origin.path, encoding=encoding)
    assert via_bytes == extract_text(text, fmt, origin)  # type: ignore[arg-type]


def test_decode_answers_again_from_memory_and_without_it() -> None:
    from claimcheck.sources import decode, decode_exact

    data = "Células madre: ¿cura?\x00".encode()
    first = decode(data)
    assert first == ("Células madre: ¿cura?", "utf-8")
    assert decode(data, "utf-8") == first  # remembered, and the same as a fresh decode
    assert decode_exact(bytes(data), "utf-8") == (*first, False)  # a NUL was removed
    assert decode_exact(b"caf\xc3\xa9") == ("café", "utf-8", True)
    assert decode_exact(b"\xef\xbb\xbfcaf\xc3\xa9")[2] is False  # the BOM is not in the text


def test_text_after_closing_html_tag_is_kept_like_a_browser_shows_it() -> None:
    doc = html("<html><body><p>Welcome.</p></body></html>\n<p>Stem cells cure diabetes.</p>\n")
    assert [(b.text, b.line, b.column) for b in doc.blocks] == [
        ("Welcome.", 1, 16),
        ("Stem cells cure diabetes.", 2, 4),
    ]


# ------------------------------------------------- what search results show (meta text)

SEARCH_PAGE = """<!doctype html>
<html lang="en"><head>
<title>Regenerative Care | Harbor Clinic</title>
<meta charset="utf-8">
<meta name="description" content="Our cord-tissue infusions repair damaged joints for good.">
<meta property="og:title" content="Regenerative Care | Harbor Clinic">
<meta property="og:description" content="Walk without pain again after one visit.">
<meta name="twitter:description" content="Walk without pain again after one visit.">
<meta name="twitter:title" content="Knee relief that lasts">
<meta name="keywords" content="stem cells cure arthritis">
<meta name="viewport" content="width=device-width">
</head><body><p>Welcome to the clinic.</p></body></html>
"""


def test_meta_tags_are_blocks_located_at_their_text() -> None:
    doc = html(SEARCH_PAGE)
    meta = [(b.meta, b.text, b.line) for b in doc.blocks if b.kind == "meta"]
    assert meta == [
        ("meta description", "Our cord-tissue infusions repair damaged joints for good.", 5),
        ("og:description", "Walk without pain again after one visit.", 7),
        ("twitter:title", "Knee relief that lasts", 9),
    ]
    lines = SEARCH_PAGE.split("\n")
    for block in doc.blocks:
        if block.kind == "meta":
            assert lines[block.line - 1][block.column - 1 :].startswith(block.text[:15])


def test_meta_repeating_the_title_or_body_is_counted_once() -> None:
    doc = html(SEARCH_PAGE)
    texts = [b.text for b in doc.blocks]
    assert texts.count("Regenerative Care | Harbor Clinic") == 1  # og:title repeats <title>
    assert texts.count("Walk without pain again after one visit.") == 1
    assert all("keywords" not in b.meta and "cure arthritis" not in b.text for b in doc.blocks)
    body = html(
        '<html><head><meta name="description" content="Stem cell care in Tijuana.">'
        "</head><body><p>Stem cell care in Tijuana.</p></body></html>"
    )
    assert [b.kind for b in body.blocks] == ["paragraph"]


FRONT_MATTER = """---
layout: post
title: "Exosome therapy ends knee pain"
description: >
  Our protocol regrows cartilage
  in six weeks.
summary: Exosome therapy ends knee pain
draft: false
---

Body paragraph about scheduling.
"""


def test_front_matter_title_and_description_are_meta_blocks() -> None:
    doc = md(FRONT_MATTER)
    meta = [(b.meta, b.text, b.line, b.column) for b in doc.blocks if b.kind == "meta"]
    assert meta == [
        ("front matter title", "Exosome therapy ends knee pain", 3, 9),
        ("front matter description", "Our protocol regrows cartilage in six weeks.", 5, 3),
    ]
    assert doc.blocks[-1].text == "Body paragraph about scheduling."
    assert all(b.kind != "meta" for b in md("Plain body only.\n").blocks)


def test_front_matter_without_closing_fence_is_not_read() -> None:
    doc = md("---\ntitle: Stem cells cure diabetes\n\nno closing fence\n")
    assert all(b.kind != "meta" for b in doc.blocks)
