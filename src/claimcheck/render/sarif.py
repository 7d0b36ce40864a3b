"""SARIF 2.1.0 output, for GitHub code scanning and other SARIF viewers.

One run. `tool.driver.rules` describes only the rules that appear in the results, built
from the lexicon's Rule data (the same data as `claimcheck rules explain`); each result's
`ruleIndex` points into that list. Rule help links are `DOCS_BASE + "CCnnn.md"`, i.e. the
generated pages in the repository's docs/rules/ directory (docs/rules/CCnnn.md); change
DOCS_BASE, and only it, if the documentation moves.

Suppressed findings (ruled out by context or evidence) are included with a `suppressions`
entry whose justification is the finding's `suppressed_by`. SARIF allows two kinds:
`inSource` (the suppression is written in the checked file, e.g. an inline comment) and
`external` (anything else); context and evidence decisions are `external`.

Columns are counted in Unicode code points (`run.columnKind`), as claimcheck counts them.
Files that could not be read make `invocations[0].executionSuccessful` false and are listed
in `invocations[0].toolExecutionNotifications`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from claimcheck import i18n
from claimcheck.fingerprint import fingerprint
from claimcheck.lexicon.types import Ground, Rule
from claimcheck.model import FileError, Finding, PageReport, Report, Severity
from claimcheck.render.rules import _summary, explain_rule

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/claimcheck/claimcheck"
DOCS_BASE = "https://github.com/claimcheck/claimcheck/blob/main/docs/rules/"
FINGERPRINT_KEY = "claimcheck/v1"

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_URL_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_INLINE_MARKERS = ("inline", "comment", "noqa")


def artifact_uri(path: str) -> str:
    """The path as a URI reference: relative paths stay relative, '-' becomes 'stdin'."""
    if path == "-":
        return "stdin"
    if _URL_RE.match(path):
        return path
    posix = path.replace("\\", "/")
    if PurePosixPath(posix).is_absolute():
        return "file://" + quote(posix, safe="/")
    if re.match(r"^[a-zA-Z]:/", posix):  # a Windows drive path
        return "file:///" + quote(posix, safe="/:")
    return quote(posix, safe="/")


def _help_text(markdown: str) -> str:
    """The Markdown help with emphasis and code marks removed, for plain-text viewers."""
    text = markdown.replace("**", "").replace("`", "")
    return re.sub(r"^#+ ", "", text, flags=re.MULTILINE)


def rule_descriptor(rule: Rule, lang: str = "en") -> dict[str, Any]:
    """A SARIF reportingDescriptor for one lexicon rule; descriptions in `lang`, help the
    rule's documentation (both languages, grounds of every jurisdiction)."""
    help_md = explain_rule(rule)
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": _summary(rule, lang)},
        "fullDescription": {"text": rule.rationale_for(lang) or _summary(rule, lang)},
        "help": {"text": _help_text(help_md), "markdown": help_md},
        "helpUri": f"{DOCS_BASE}{rule.code}.md",
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "tags": [rule.family, *(f"jurisdiction:{j}" for j in rule.jurisdictions)],
        },
    }


def _fallback_descriptor(f: Finding) -> dict[str, Any]:
    """A minimal descriptor for a finding whose rule is not among the given rules."""
    return {
        "id": f.code,
        "name": f.name,
        "shortDescription": {"text": f.name},
        "defaultConfiguration": {"level": LEVELS[f.severity]},
    }


def _message(f: Finding, lang: str = "en") -> str:
    text = f.message
    if f.suggestion:
        text += f" {i18n.tr(lang, 'sarif.suggestion')}: {f.suggestion}"
    return text


def _region(f: Finding) -> dict[str, Any] | None:
    region: dict[str, Any] = {}
    if f.line > 0:
        region["startLine"] = f.line
        if f.column > 0:
            region["startColumn"] = f.column
    if not region:
        return None
    if f.sentence:
        region["snippet"] = {"text": f.sentence}
    return region


def _suppression(f: Finding, lang: str = "en") -> dict[str, Any]:
    reason = f.suppressed_by or ""
    inline = reason.lower().startswith(_INLINE_MARKERS)
    entry: dict[str, Any] = {"kind": "inSource" if inline else "external"}
    if reason:
        entry["justification"] = i18n.suppressed_reason(reason, lang)
    return entry


def _result(
    f: Finding, rule_index: int, lang: str = "en", grounds: Sequence[Ground] = ()
) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(f.path)}}
    region = _region(f)
    if region:
        physical["region"] = region
    result: dict[str, Any] = {
        "ruleId": f.code,
        "ruleIndex": rule_index,
        "level": LEVELS[f.severity],
        "message": {"text": _message(f, lang)},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(f.code, f.sentence, f.path)},
        "properties": {
            "context": f.context.status,
            "engine": f.engine,
            "scope": f.scope,
        },
    }
    if f.evidence:
        result["properties"]["evidenceLevel"] = f.evidence.level
    if f.trigger:
        result["properties"]["trigger"] = f.trigger
    if grounds:
        result["properties"]["grounds"] = [
            f"{i18n.jurisdiction_name(g.jurisdiction, lang)}: {g.cite()} <{g.url}>" for g in grounds
        ]
    if f.suppressed:
        result["suppressions"] = [_suppression(f, lang)]
    return result


def _notification(e: FileError) -> dict[str, Any]:
    return {
        "level": "error",
        "message": {"text": e.message},
        "descriptor": {"id": e.kind},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": artifact_uri(e.path)}}}],
    }


def _file_errors(report: Report) -> list[FileError]:
    seen: list[FileError] = []
    for e in (*report.errors, *(e for p in report.files for e in p.errors)):
        if e not in seen:
            seen.append(e)
    return seen


def report_to_sarif(
    report: Report, rules: Sequence[Rule] = (), lang: str | None = None
) -> dict[str, Any]:
    """The report as a SARIF 2.1.0 log (a JSON-ready dict); `lang` is the output language
    setting (results in each page's output language, rule descriptions in the report's)."""
    by_code = {r.code: r for r in rules}
    run_lang = i18n.report_lang(lang, [p.lang for p in report.files])
    findings = [f for page in report.files for f in page.findings]
    descriptors: dict[str, dict[str, Any]] = {}
    for f in findings:
        if f.code not in descriptors:
            rule = by_code.get(f.code)
            descriptors[f.code] = (
                rule_descriptor(rule, run_lang) if rule else _fallback_descriptor(f)
            )
    codes = sorted(descriptors)
    index = {code: i for i, code in enumerate(codes)}
    errors = _file_errors(report)
    invocation: dict[str, Any] = {"executionSuccessful": not errors}
    if errors:
        invocation["toolExecutionNotifications"] = [_notification(e) for e in errors]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "claimcheck",
                "version": report.tool_version,
                "semanticVersion": report.tool_version,
                "informationUri": INFORMATION_URI,
                "rules": [descriptors[c] for c in codes],
                "properties": {
                    "lexiconVersion": report.lexicon_version,
                    "groundsLegend": i18n.tr(run_lang, "grounds.legend"),
                },
            }
        },
        "invocations": [invocation],
        "columnKind": "unicodeCodePoints",
        "results": [
            _result(f, index[f.code], *_page_lang_grounds(page, f, by_code, lang))
            for page in report.files
            for f in page.findings
        ],
    }
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def _page_lang_grounds(
    page: PageReport, f: Finding, by_code: dict[str, Rule], setting: str | None
) -> tuple[str, tuple[Ground, ...]]:
    """The output language of a finding's page and its rule's grounds there."""
    rule = by_code.get(f.code)
    grounds = rule.grounds_for(page.jurisdictions) if rule else ()
    return i18n.output_lang(setting, page.lang), grounds


def render_sarif(report: Report, *, rules: Sequence[Rule] = (), lang: str | None = None) -> str:
    """Pretty-printed SARIF JSON with a trailing newline."""
    data = report_to_sarif(report, rules, lang)
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
