"""JSON Lines, the bulk format of `check` (WARCs, sweeps, Dask): one line per page, written
as the page is scored, then one summary line.

A page line is exactly a `files[]` object of the JSON report; the last line is the JSON
report without `files` (schema_version, tool, lang, summary, and site for an audit), so a
reader tells them apart by the `summary` key. Nothing waits for the whole run, so a
consumer can follow a long run line by line.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import TextIO

from claimcheck.lexicon.types import Rule
from claimcheck.model import PageReport, Report
from claimcheck.render.json import page_to_dict, report_to_dict


class JsonLinesWriter:
    """Writes page lines as they come (`page`) and the summary line at the end (`finish`)."""

    def __init__(
        self, out: TextIO, rules: Sequence[Rule] = (), lang: str | None = None, close: bool = False
    ) -> None:
        self.out = out
        self.close = close
        self.rules = tuple(rules)
        self.by_code = {r.code: r for r in rules}
        self.lang = lang
        self.written = 0

    def page(self, page: PageReport) -> None:
        """One page line, flushed; a page the archive pre-filter skipped is only counted
        in the summary, as in the other formats."""
        if page.prefilter_skipped:
            return
        line = json.dumps(page_to_dict(page, self.by_code, self.lang), ensure_ascii=False)
        self.out.write(line + "\n")
        self.out.flush()
        self.written += 1

    def finish(self, report: Report) -> None:
        """Page lines not streamed yet (an audit is scored whole), then the summary line."""
        for page in report.files[self.written :]:
            self.page(page)
        head = report_to_dict(replace(report, files=()), self.rules, self.lang)
        del head["files"]
        self.out.write(json.dumps(head, ensure_ascii=False) + "\n")
        self.out.flush()
        if self.close:
            self.out.close()


def open_stream(
    output: str | None, rules: Sequence[Rule] = (), lang: str | None = None
) -> JsonLinesWriter:
    """A writer on `output` (a file, created now so that a bad path fails before a long run,
    with OSError; stdout for None or '-')."""
    if not output or output == "-":
        return JsonLinesWriter(sys.stdout, rules, lang)
    out = open(output, "w", encoding="utf-8")  # noqa: SIM115 (closed by finish)
    return JsonLinesWriter(out, rules, lang, close=True)
