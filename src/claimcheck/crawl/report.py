"""`claimcheck report AUDIT_DIR`: an audit's report, re-derived from its WARC, with the
site section and, for every page, where its archived copy is (WARC record id, SHA-256)."""

from __future__ import annotations

import json
import os
from typing import Any

from claimcheck.config import Config
from claimcheck.crawl.archive import MANIFEST, file_sha256, load_manifest
from claimcheck.crawl.audit import audit_report
from claimcheck.model import Report


def audit_info(directory: str) -> dict[str, Any]:
    """What the report shows about the audit itself, from its manifest."""
    manifest = load_manifest(directory)
    warc = manifest.get("warc", {})
    pages: dict[str, dict[str, Any]] = {}
    unscored = []
    for page in manifest.get("pages", []):
        ref = {
            "url": page["url"],
            "record_id": page.get("warc", {}).get("record_id", ""),
            "sha256": page.get("sha256", ""),
            "status": page.get("status"),
            "content_type": page.get("content_type", ""),
            "file": warc.get("file", ""),
        }
        pages[page["url"]] = ref
        if not page.get("parsed"):
            unscored.append(ref)
    return {
        "audit_id": manifest.get("audit_id"),
        "site": manifest.get("site"),
        "seed": manifest.get("seed"),
        "started": manifest.get("started"),
        "ended": manifest.get("ended"),
        "tool": manifest.get("tool", {}),
        "manifest_sha256": file_sha256(os.path.join(directory, MANIFEST)),
        "warc_file": warc.get("file"),
        "warc_sha256": warc.get("sha256"),
        "pages": pages,
        "unscored": unscored,
    }


def audit_report_html(directory: str, config: Config | None = None, lang: str = "en") -> str:
    """The self-contained HTML report of an audit (one pass over the WARC)."""
    from claimcheck.crawl.screenshots import with_screenshots
    from claimcheck.lexicon import lexicon_for
    from claimcheck.render.html import render_html

    info = audit_info(directory)
    info["pages"] = with_screenshots(directory, info["pages"])
    texts: dict[str, str] = {}
    report = audit_report(directory, config, texts)
    lexicon = lexicon_for(config.lexicons if config else None)
    return render_html(report, rules=lexicon.rules, texts=texts, lang=lang, audit=info)


def audit_report_json(directory: str, config: Config | None = None) -> tuple[str, Report]:
    """The JSON report of an audit plus an `audit` block (manifest hash, WARC records)."""
    from claimcheck.lexicon import lexicon_for
    from claimcheck.render.json import report_to_dict

    info = audit_info(directory)
    report = audit_report(directory, config)
    lexicon = lexicon_for(config.lexicons if config else None)
    data = report_to_dict(report, lexicon.rules, config.lang if config else None)
    data["audit"] = {k: v for k, v in info.items() if k not in ("pages", "unscored")}
    data["audit"]["pages"] = list(info["pages"].values())
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n", report
