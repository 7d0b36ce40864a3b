"""The accuracy benchmark runs end to end on small slices (keeps the script from rotting).

The public evaluation sets live outside the repository (../shared/eval, research-only
licences), so the test is skipped where they are absent.
"""

from __future__ import annotations

import pytest
from tests.helpers import SHARED, run_python


@pytest.mark.skipif(
    not (SHARED / "eval").is_dir(),
    reason=f"public evaluation data not found at {SHARED / 'eval'} (kept outside the repo)",
)
def test_accuracy_benchmark_smoke() -> None:
    result = run_python(
        "benchmarks/accuracy.py",
        "--shared",
        str(SHARED),
        "--slice",
        "150",
        "--folds",
        "2",
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "macro-F1" in result.stdout
    for section in ("## (a)", "## (b)", "## (c)", "## (d)", "## (e)"):
        assert section in result.stdout, f"{section} missing:\n{result.stdout}"
    assert "rules+model" in result.stdout
    if (SHARED / "eval" / "realworld-dev" / "sentences.jsonl").is_file():
        assert "### real-world dev sentences" in result.stdout
        assert "### real-world dev pages" in result.stdout
