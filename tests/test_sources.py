"""Tests for claimcheck.sources: reading files, stdin, directory walks and decoding."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest

from claimcheck.errors import SourceError
from claimcheck.sources import (
    SUPPORTED_SUFFIXES,
    RawInput,
    decode,
    detect_format,
    iter_inputs,
    read_path,
    read_stdin,
)


def write(path: Path, data: bytes | str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return str(path)


def test_suffix_table() -> None:
    assert SUPPORTED_SUFFIXES[".htm"] == "html"
    assert SUPPORTED_SUFFIXES[".mdx"] == "markdown"
    assert SUPPORTED_SUFFIXES[".text"] == "text"


@pytest.mark.parametrize(
    ("path", "data", "expected"),
    [
        ("a.HTML", b"plain words", "html"),
        ("a.md", b"<html>", "markdown"),
        ("-", b"  <!DOCTYPE html><html><body>x</body></html>", "html"),
        ("-", b"<html lang='es'><p>hola</p></html>", "html"),
        ("page.php", b"<div><p>One</p><p>Two</p><span>3</span></div>", "html"),
        ("-", b"# Title\n\nSome text with a [link](http://x.org).\n", "markdown"),
        ("-", b"---\ntitle: x\n---\nBody\n", "markdown"),
        ("-", b"- one\n- two\n", "markdown"),
        ("-", b"Just a sentence. And another one.\n", "text"),
        ("-", "\ufeff<!doctype html><p>x</p>".encode("utf-16"), "html"),
    ],
)
def test_detect_format(path: str, data: bytes, expected: str) -> None:
    assert detect_format(path, data) == expected


def test_read_path_html_with_hash(tmp_path: Path) -> None:
    data = b"<html><body><p>Stem cells</p></body></html>"
    raw = read_path(write(tmp_path / "page.html", data))
    assert isinstance(raw, RawInput)
    assert raw.format == "html"
    assert raw.data == data
    assert raw.origin.kind == "file"
    assert raw.origin.sha256 == hashlib.sha256(data).hexdigest()
    assert raw.origin.encoding == "utf-8"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as info:
        read_path(str(tmp_path / "nope.html"))
    assert info.value.kind == "missing"
    assert "nope.html" in str(info.value)


def test_directory_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as info:
        read_path(str(tmp_path))
    assert info.value.kind == "unreadable"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_permission_denied(tmp_path: Path) -> None:
    path = write(tmp_path / "secret.html", "<p>x</p>")
    os.chmod(path, 0)
    with pytest.raises(SourceError) as info:
        read_path(path)
    assert info.value.kind == "unreadable"


def test_binary_file(tmp_path: Path) -> None:
    path = write(tmp_path / "image.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10)
    with pytest.raises(SourceError) as info:
        read_path(path)
    assert info.value.kind == "binary"


@pytest.mark.parametrize("data", [b"", b"   \n\t  \n", "\ufeff  \n".encode()])
def test_empty_file(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(SourceError) as info:
        read_path(write(tmp_path / "empty.txt", data))
    assert info.value.kind == "empty"


def test_too_large(tmp_path: Path) -> None:
    path = write(tmp_path / "big.txt", "word " * 300)
    with pytest.raises(SourceError) as info:
        read_path(path, max_bytes=1000)
    assert info.value.kind == "too_large"
    assert read_path(path, max_bytes=2000).format == "text"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_bom_are_text(tmp_path: Path, codec: str) -> None:
    text = "<p>Células madre para la diabetes</p>"
    data = text.encode(codec)
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        data = "\ufeff".encode(codec) + data
    raw = read_path(write(tmp_path / "page.html", data))
    assert raw.origin.encoding is not None and raw.origin.encoding.startswith("utf-")
    assert decode(raw.data)[0] == text


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_sniffed_as_text(tmp_path: Path, codec: str) -> None:
    """Issue 11: BOM-less Basic Latin UTF-16 is read (Firefox's detector reads it too)."""
    raw = read_path(write(tmp_path / "page.txt", "plain text, cures diabetes".encode(codec)))
    assert raw.origin.encoding == codec
    assert decode(raw.data)[0] == "plain text, cures diabetes"


def test_nul_bytes_without_a_bom_are_binary(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as info:
        read_path(write(tmp_path / "page.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 4))
    assert info.value.kind == "binary"


def test_latin1_declared_html(tmp_path: Path) -> None:
    data = '<html><head><meta charset="iso-8859-1"></head><p>Células</p></html>'
    raw = read_path(write(tmp_path / "page.html", data.encode("latin-1")))
    text, encoding = decode(raw.data)
    assert "Células" in text
    assert encoding == "cp1252"


def test_decode_order() -> None:
    assert decode(b"\xef\xbb\xbfhola") == ("hola", "utf-8")
    assert decode("né".encode("utf-16-le"), None) != ("né", "utf-16-le")  # no BOM: not UTF-16
    assert decode(b'<?xml version="1.0" encoding="windows-1252"?><p>\x93x\x94</p>')[0].endswith(
        "\u201cx\u201d</p>"
    )
    assert decode("año".encode()) == ("año", "utf-8")
    assert decode("año".encode("latin-1"), declared="latin-1")[0] == "año"
    text, encoding = decode("Las células madre no curan la diabetes. ".encode("cp1252") * 5)
    assert "células" in text and encoding
    assert decode(b"a\x00b\x00c") == ("abc", "utf-8")


def test_decode_never_raises_on_garbage() -> None:
    garbage = bytes(range(256)) * 4
    text, encoding = decode(garbage)
    assert isinstance(text, str) and "\x00" not in text and encoding


def test_read_stdin_text_and_binary_streams() -> None:
    class Stdin(io.TextIOWrapper):
        pass

    stream = Stdin(io.BytesIO(b"# Heading\n\n- item\n"), encoding="utf-8")
    raw = read_stdin(stream)
    assert raw.origin.path == "-" and raw.origin.kind == "stdin"
    assert raw.format == "markdown"
    assert read_stdin(io.BytesIO(b"Just text.")).format == "text"
    with pytest.raises(SourceError) as info:
        read_stdin(io.BytesIO(b"  \n"))
    assert info.value.kind == "empty"


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    files = {
        "index.html": "<p>home</p>",
        "about.md": "# About",
        "notes.txt": "notes",
        "script.js": "var x;",
        "b/page.htm": "<p>b</p>",
        "a/deep/x.md": "x",
        "a/y.html": "<p>y</p>",
        "drafts/d.html": "<p>d</p>",
        "a/drafts/e.html": "<p>e</p>",
        ".git/config.html": "<p>git</p>",
        "node_modules/pkg/readme.md": "pkg",
        ".hidden.html": "<p>hidden</p>",
    }
    for name, text in files.items():
        write(tmp_path / name, text)
    return tmp_path


def rel(results: list[RawInput | SourceError], root: Path) -> list[str]:
    out = []
    for item in results:
        assert isinstance(item, RawInput), item
        out.append(Path(item.origin.path).relative_to(root).as_posix())
    return out


def test_walk_sorted_and_skips_hidden(site: Path) -> None:
    found = rel(list(iter_inputs([str(site)])), site)
    assert found == [
        "a/deep/x.md",
        "a/drafts/e.html",
        "a/y.html",
        "about.md",
        "b/page.htm",
        "drafts/d.html",
        "index.html",
        "notes.txt",
    ]


def test_walk_include_and_exclude(site: Path) -> None:
    assert rel(list(iter_inputs([str(site)], include=["*.md"])), site) == [
        "a/deep/x.md",
        "about.md",
    ]
    assert rel(list(iter_inputs([str(site)], include=["a/**/*.html"])), site) == [
        "a/drafts/e.html",
        "a/y.html",
    ]
    assert "index.html" in rel(list(iter_inputs([str(site)], include=["**/*.html"])), site)
    no_drafts = rel(list(iter_inputs([str(site)], exclude=["drafts"])), site)
    assert not any("drafts" in path for path in no_drafts)
    top_only = rel(list(iter_inputs([str(site)], exclude=["drafts/**"])), site)
    assert "a/drafts/e.html" in top_only and "drafts/d.html" not in top_only
    both = rel(list(iter_inputs([str(site)], include=["*.html"], exclude=["a/**"])), site)
    assert both == ["drafts/d.html", "index.html"]


def test_walk_is_a_generator_and_reports_bad_files(site: Path) -> None:
    write(site / "zz_empty.html", b"")
    write(site / "zz_binary.txt", b"\x00\x01\x02" * 100)
    results = iter_inputs([str(site), str(site / "missing.html"), str(site / "script.js")])
    assert iter(results) is results
    items = list(results)
    errors = [item for item in items if isinstance(item, SourceError)]
    assert [(Path(e.path).name, e.kind) for e in errors] == [
        ("zz_binary.txt", "binary"),
        ("zz_empty.html", "empty"),
        ("missing.html", "missing"),
    ]
    named = items[-1]
    assert isinstance(named, RawInput) and named.origin.path.endswith("script.js")
    assert named.format == "text"
    assert len(items) == 8 + 2 + 2


def test_stdin_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"<p>x</p><p>y</p><br>")))
    (raw,) = list(iter_inputs(["-"]))
    assert isinstance(raw, RawInput) and raw.origin.kind == "stdin" and raw.format == "html"
