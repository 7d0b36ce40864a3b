"""Import direction: data flows one way, and so do imports (issue 12, Structure).

Every `import` in the package is read with `ast`, including the lazy ones inside functions,
so a renderer that calls analysis or a source that calls the crawler fails here even when
the import is hidden in a function body.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import claimcheck

PACKAGE = Path(claimcheck.__file__).parent

# What a renderer may read: the data model, the lexicon's types (rules, examples), the
# finding fingerprint (a pure function of a finding) and the message catalogues and
# template filling (i18n, messages: presentation data); plus other renderers.
RENDER_ALLOWED = (
    "claimcheck.model",
    "claimcheck.lexicon.types",
    "claimcheck.fingerprint",
    "claimcheck.i18n",
    "claimcheck.messages",
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every absolute module name `path` imports, at top level or inside functions."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _modules(package: str) -> list[Path]:
    folder = PACKAGE.joinpath(*package.split(".")[1:])
    return sorted(folder.rglob("*.py")) if folder.is_dir() else [folder.with_suffix(".py")]


def _own(names: set[str]) -> set[str]:
    """The package's own modules among `names` (`from claimcheck import x` counts as x)."""
    return {n for n in names if n.startswith("claimcheck.")}


def _is_module(name: str) -> bool:
    parts = name.split(".")[1:]
    base = PACKAGE.joinpath(*parts)
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def test_the_import_reader_sees_lazy_imports(tmp_path: Path) -> None:
    """The checker itself: an import inside a function body counts."""
    sample = tmp_path / "m.py"
    sample.write_text("def f():\n    from claimcheck.engine import Engine\n", "utf-8")
    assert "claimcheck.engine" in _imports(sample)


@pytest.mark.parametrize("path", _modules("claimcheck.render"), ids=lambda p: p.name)
def test_renderers_read_the_data_model_only(path: Path) -> None:
    """render/ depends on model, lexicon types and other renderers, never on analysis."""
    bad = sorted(
        n
        for n in _own(_imports(path))
        if _is_module(n)
        and not n.startswith("claimcheck.render")
        and not n.startswith(RENDER_ALLOWED)
    )
    assert not bad, f"{path.name} imports {bad}"


@pytest.mark.parametrize("module", RENDER_ALLOWED)
def test_what_renderers_may_read_reads_no_analysis_either(module: str) -> None:
    """The allowed modules stay on the data side: no path back to engine or combine."""
    path = PACKAGE.joinpath(*module.split(".")[1:]).with_suffix(".py")
    if not path.is_file():
        pytest.skip(f"{module} is not in this version")
    bad = sorted(
        n for n in _own(_imports(path)) if _is_module(n) and not n.startswith(RENDER_ALLOWED)
    )
    assert not [n for n in bad if n != "claimcheck.errors"], f"{module} imports {bad}"


def test_sources_never_imports_the_crawler() -> None:
    """Readers plug into sources (register_reader); sources does not import them."""
    names = _own(_imports(PACKAGE / "sources.py"))
    assert not [n for n in names if n.startswith("claimcheck.crawl")], names


def test_crawl_fetch_and_sources_form_no_loop() -> None:
    """fetch.py (the URL reader) does not need the WARC module, so a URL check needs no warcio."""
    names = _own(_imports(PACKAGE / "crawl" / "fetch.py"))
    assert "claimcheck.crawl.archive" not in names


def test_url_and_audit_readers_are_registered_by_the_engine() -> None:
    """Importing the engine plugs the crawl package's readers in (and imports no crawler)."""
    code = (
        "import sys, claimcheck.engine, claimcheck.sources as s\n"
        "print(sorted(type(r).__name__ for r in s._READERS))\n"
        "print(sorted(m for m in ('scrapy', 'twisted', 'warcio', 'sklearn') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.splitlines()
    assert out == ["['AuditReader', 'UrlReader', 'WarcFileReader']", "[]"]
