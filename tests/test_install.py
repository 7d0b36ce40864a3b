"""An installed wheel runs every documented command outside the clone (issue 12, defect 6).

SLOW (about a minute): builds the wheel, installs it into a fresh venv under tmp_path and
runs the README's commands from a directory that is not the repository. Marked `install`;
deselect with `-m "not install"`.

Offline-safe: the venv gets the wheel with `--no-deps`, and a `.pth` file makes this
interpreter's packages importable behind it, with the optional dependencies (scikit-learn,
Scrapy, warcio, Starlette, uvicorn ...) blocked, so the run is what a core-only
`pip install claimcheck` sees.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOCKED = (
    "sklearn",
    "scipy",
    "scrapy",
    "twisted",
    "warcio",
    "w3lib",
    "tldextract",
    "starlette",
    "uvicorn",
    "multipart",
    "python_multipart",
)
CURE = "<html lang='en'><body><p>Our stem cell therapy cures type 1 diabetes.</p></body></html>"

pytestmark = pytest.mark.install


def _run(cmd: list[str], cwd: Path, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300, **kw)


def _build_wheel(out: Path) -> Path:
    """`pip wheel --no-deps .`, without build isolation when hatchling is here (offline)."""
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(ROOT), "-w", str(out)]
    if importlib.util.find_spec("hatchling") is not None:
        cmd.insert(5, "--no-build-isolation")
    result = _run(cmd, ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    return next(out.glob("claimcheck-*.whl"))


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin/ directory of a fresh venv holding only the wheel (core dependencies seen
    through a .pth file, optional ones blocked)."""
    if not (ROOT / "pyproject.toml").is_file():
        pytest.skip("needs the repository checkout to build the wheel")
    base = tmp_path_factory.mktemp("install")
    wheel = _build_wheel(base / "dist")
    venv = base / "venv"
    assert _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], base).returncode == 0
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q"]
    result = _run([*pip, "--no-deps", "--no-index", str(wheel)], base)
    assert result.returncode == 0, result.stderr[-2000:]
    site = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], base
        ).stdout.strip()
    )
    outer = sysconfig.get_paths()["purelib"]
    (site / "zz_outer.pth").write_text(outer + "\n", "utf-8")
    block = f"import sys; sys.modules.update(dict.fromkeys({BLOCKED!r}))\n"
    (site / "aa_block_extras.pth").write_text(block, "utf-8")
    return venv / "bin"


@pytest.fixture(scope="module")
def work(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty directory outside the clone to run the commands in."""
    return tmp_path_factory.mktemp("elsewhere")


def cc(installed: Path, work: Path, *args: str, stdin: str | None = None):
    """Run the installed `claimcheck` in `work` with a private history and no colour."""
    env = {**os.environ, "NO_COLOR": "1", "CLAIMCHECK_HOME": str(work / ".home")}
    env.pop("PYTHONPATH", None)
    return _run([str(installed / "claimcheck"), *args], work, input=stdin, env=env)


def test_the_installed_package_is_the_wheel_not_the_checkout(installed: Path, work: Path) -> None:
    out = _run(
        [str(installed / "python"), "-c", "import claimcheck; print(claimcheck.__file__)"], work
    )
    assert str(installed.parent) in out.stdout, out.stdout + out.stderr
    assert cc(installed, work, "--version").returncode == 0


def test_readme_check_commands_work_outside_the_clone(installed: Path, work: Path) -> None:
    copied = cc(installed, work, "samples")
    assert copied.returncode == 0, copied.stderr
    run = cc(installed, work, "check", "samples/")
    assert run.returncode == 1, run.stderr
    assert "samples/clinica-sin-permiso.html:" in run.stdout
    assert "Checked 13 file(s)" in run.stdout
    (work / "page.html").write_text(CURE, "utf-8")
    js = cc(installed, work, "check", "page.html", "--format", "json")
    assert js.returncode == 1 and json.loads(js.stdout)["files"][0]["path"] == "page.html"
    stdin = cc(installed, work, "check", "-", stdin="Nuestras células madre curan la diabetes.")
    assert stdin.returncode == 1 and "CC101" in stdin.stdout
    for extra in (
        ["--fail-on", "error"],
        ["--explain"],
        ["--jurisdiction", "mx"],
        ["--select", "CC1", "--ignore", "CC112"],
    ):
        result = cc(installed, work, "check", "page.html", *extra)
        assert result.returncode == 1 and "CC101" in result.stdout, (extra, result.stderr)
    html = cc(installed, work, "check", "page.html", "--format", "html", "-o", "report.html")
    assert html.returncode == 1 and (work / "report.html").stat().st_size > 1000


def test_readme_rule_schema_config_and_baseline_commands(installed: Path, work: Path) -> None:
    assert "CC102" in cc(installed, work, "rules").stdout
    assert "reversal" in cc(installed, work, "rules", "explain", "CC102").stdout
    assert cc(installed, work, "lexicon", "validate").returncode == 0
    assert json.loads(cc(installed, work, "schema").stdout)["type"] == "object"
    assert "fail-on" in cc(installed, work, "config", "show").stdout
    (work / "site").mkdir(exist_ok=True)
    (work / "site" / "index.html").write_text(CURE, "utf-8")
    assert cc(installed, work, "baseline", "create", "site/").returncode == 0
    gated = cc(installed, work, "check", "site/", "--baseline", ".claimcheck-baseline.json")
    assert gated.returncode == 0, gated.stdout + gated.stderr


def test_model_commands_find_the_shipped_model_and_corpus(installed: Path, work: Path) -> None:
    """`model evaluate` reads the corpus shipped in the wheel (the full evaluation takes
    minutes, so an unknown split stops it right after the corpus was read)."""
    run = cc(installed, work, "model", "evaluate", "--split", "no-such-split")
    assert run.returncode == 2
    assert "no annotated sentences in split 'no-such-split'" in run.stderr, run.stderr
    (work / "page.html").write_text(CURE, "utf-8")
    out = cc(installed, work, "annotate", "page.html", "-o", "to-label.jsonl")
    assert out.returncode == 0, out.stderr
    assert json.loads((work / "to-label.jsonl").read_text("utf-8").splitlines()[0])["label"]


def test_docs_ship_with_the_package(installed: Path, work: Path) -> None:
    """Help points at shipped pages (`claimcheck help TOPIC`), never at a repository file."""
    topics = cc(installed, work, "help")
    assert "serve" in topics.stdout and "configuration" in topics.stdout
    assert "JSON API" in cc(installed, work, "help", "serve").stdout
    assert "Keep a Changelog" in cc(installed, work, "help", "changelog").stdout
    serve_help = cc(installed, work, "serve", "--help").stdout
    assert "docs/" not in serve_help and "claimcheck help serve" in serve_help


def test_commands_needing_an_extra_name_it(installed: Path, work: Path) -> None:
    """With the optional dependencies missing: one line naming the extra, exit 2."""
    expected = {
        ("crawl", "http://127.0.0.1:1/", "--out", "a"): "claimcheck[crawl]",
        ("serve", "--port", "0"): "claimcheck[serve]",
        ("model", "train", "x.jsonl", "-o", "m", "--realworld", "none"): "claimcheck[train]",
    }
    (work / "x.jsonl").write_text('{"text": "a", "label": "neutral"}\n', "utf-8")
    for args, extra in expected.items():
        run = cc(installed, work, *args)
        assert run.returncode == 2, (args, run.stdout, run.stderr)
        assert extra in run.stderr and "Traceback" not in run.stderr, run.stderr
        last = run.stderr.strip().splitlines()[-1]  # after any progress line, one error line
        assert last.startswith("claimcheck: error: claimcheck ") and extra in last, run.stderr
