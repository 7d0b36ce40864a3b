"""JUnit XML: one test case per checked file, for CI systems that show test reports.

One `<testsuite name="claimcheck">`; each file is a `<testcase classname="claimcheck"
name=PATH>`. Every active finding at or above the fail-on level is a `<failure>` (type =
rule code, text `path:line:col CODE message`); active findings below it are listed in
the test case's `<system-out>`; a file that could not be read is an `<error>`.

The suite's counts follow JUnit's meaning: `tests` = files, `failures` = files with at
least one failure, `errors` = files that could not be read.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from claimcheck.model import FileError, Finding, PageReport, Report, Severity, error_page

# Characters XML 1.0 cannot carry even escaped (ElementTree would write them verbatim).
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)


def _line(f: Finding) -> str:
    return f"{f.path}:{f.line}:{f.column} {f.code} {f.message}"


def _floor(fail_on: str) -> Severity | None:
    return None if fail_on == "never" else Severity.parse(fail_on)


def _testcase(page: PageReport, floor: Severity | None) -> ET.Element:
    case = ET.Element("testcase", classname="claimcheck", name=_xml(page.path))
    for e in page.errors:
        error = ET.SubElement(case, "error", type=_xml(e.kind), message=_xml(e.message))
        error.text = _xml(f"{e.path}: {e.message}")
    below: list[str] = []
    for f in page.active_findings:
        if floor is not None and f.severity >= floor:
            failure = ET.SubElement(case, "failure", type=f.code, message=_xml(f.message))
            failure.text = _xml(_line(f))
        else:
            below.append(f"{_line(f)} [{f.severity.label}]")
    if below:
        ET.SubElement(case, "system-out").text = _xml("\n".join(below))
    return case


def render_junit(report: Report, *, fail_on: str = "error") -> str:
    """The JUnit XML document with an XML declaration and a trailing newline."""
    floor = _floor(fail_on)
    suite = ET.Element("testsuite", name="claimcheck")
    pages = list(report.files)
    orphan = [e for e in report.errors if all(e not in p.errors for p in pages)]
    cases = [_testcase(p, floor) for p in pages]
    cases += [_testcase(_orphan_page(e), floor) for e in orphan]
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    suite.set("errors", str(sum(1 for c in cases if c.find("error") is not None)))
    suite.set("skipped", "0")
    suite.extend(cases)
    ET.indent(suite)
    body = ET.tostring(suite, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


def _orphan_page(e: FileError) -> PageReport:
    """A stand-in page for a run-level error that no page carries."""
    return error_page(e.path, e.kind, e.message)
