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

# What a renderer may read: the data model, the lexicon's types (rules, examples) and the
# finding fingerprint (a pure function of a finding); plus other renderers.
RENDER_ALLOWED = ("claimcheck.model", "claimcheck.lexicon.types", "claimcheck.fingerprint")


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
    return {n for n in names if n == "claimcheck" or n.startswith("claimcheck.")}


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
    assert out == ["['AuditReader', 'UrlReader']", "[]"]
