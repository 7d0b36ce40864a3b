"""GitHub Actions workflow commands: one annotation line per active finding.

    ::error file=PATH,line=L,col=C,title=CC102 reversal-remission-claim::MESSAGE

Severity maps to the command (error -> ::error, warning -> ::warning, info -> ::notice).
The message is the finding's message, then its suggestion on a second line. Files that
could not be read become `::error file=PATH::message`. Nothing else is printed, so the
output can be echoed straight into a workflow log.

Escaping follows the Actions runner: in the message % -> %25, CR -> %0D, LF -> %0A; in
property values additionally : -> %3A and , -> %2C.
"""

from __future__ import annotations

from claimcheck.model import FileError, Finding, Report, Severity

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message (the part after '::')."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value (file, title ...)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(kind: str, properties: list[tuple[str, str]], message: str) -> str:
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{kind}{' ' + props if props else ''}::{escape_data(message)}"


def _file(path: str) -> list[tuple[str, str]]:
    return [] if path == "-" else [("file", path.replace("\\", "/"))]


def annotation(f: Finding) -> str:
    """One workflow command for one finding."""
    props = _file(f.path)
    if f.line > 0:
        props.append(("line", str(f.line)))
        if f.column > 0:
            props.append(("col", str(f.column)))
    props.append(("title", f"{f.code} {f.name}"))
    message = f.message + (f"\nSuggestion: {f.suggestion}" if f.suggestion else "")
    return _command(COMMANDS[f.severity], props, message)


def _error(e: FileError) -> str:
    return _command("error", _file(e.path), e.message)


def render_github(report: Report) -> str:
    """Annotation lines for every active finding and every unreadable file."""
    lines: list[str] = []
    seen: set[FileError] = set()
    for e in report.errors:
        seen.add(e)
        lines.append(_error(e))
    for page in report.files:
        lines += [_error(e) for e in page.errors if e not in seen]
        lines += [annotation(f) for f in page.active_findings]
    return "".join(line + "\n" for line in lines)
