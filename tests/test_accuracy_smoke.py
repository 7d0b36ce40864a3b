"""The accuracy benchmark runs end to end on small slices (keeps the script from rotting).

The public evaluation sets live outside the repository (../shared/eval, research-only
licences), so the test is skipped where they are absent.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.mark.skipif(
    not (SHARED / "eval").is_dir(),
    reason=f"public evaluation data not found at {SHARED / 'eval'} (kept outside the repo)",
)
def test_accuracy_benchmark_smoke() -> None:
    env = dict(os.environ)
    src = str(ROOT / "src")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p)
    result = subprocess.run(
        [
            sys.executable,
            "benchmarks/accuracy.py",
            "--shared",
            str(SHARED),
            "--slice",
            "150",
            "--folds",
            "2",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,  # about 15-25 s on 2 busy cores; the guard only catches a hang
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "macro-F1" in result.stdout
    for section in ("## (a)", "## (b)", "## (c)", "## (d)"):
        assert section in result.stdout, f"{section} missing:\n{result.stdout}"
    assert "rules+model" in result.stdout
