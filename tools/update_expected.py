"""Regenerate samples/expected.json from the current engine. Review the diff before committing:
every change in it is a change in what claimcheck reports on the bundled samples."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from claimcheck.engine import check_paths

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    report = check_paths([str(ROOT / "samples")])
    expected = {}
    for page in report.files:
        name = Path(page.path).name
        expected[name] = {
            "page_type": page.page_type,
            "jurisdictions": list(page.jurisdictions),
            "score": page.score,
            "codes": dict(sorted(Counter(f.code for f in page.active_findings).items())),
        }
    out = ROOT / "samples" / "expected.json"
    out.write_text(json.dumps(expected, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out} ({len(expected)} pages)")


if __name__ == "__main__":
    main()
