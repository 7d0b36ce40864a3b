"""Page-level checks: disclaimers, jurisdiction details, trial registration, testimonials.

Each check is a function registered under the `check:` name used in the rule YAML. A check
sees the page, its facts and the sentence-level claims already found; it returns findings.
Hidden text never satisfies a duty: a disclaimer a visitor cannot see does not count.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from claimcheck.combine import build_finding, trigger_findings
from claimcheck.context import ScanCache, decide_scanned, inside_quotes
from claimcheck.facts import Page
from claimcheck.lexicon.types import Rule
from claimcheck.match import CompiledLexicon, CompiledPattern, first_match, iter_hits
from claimcheck.messages import page_texts
from claimcheck.model import Finding, Severity
from claimcheck.prefilter import PatternSet

DISCLAIMER_RULE = "CC201"


@dataclass(frozen=True, slots=True)
class CheckInput:
    """What every page check receives."""

    rule: Rule
    page: Page
    lex: CompiledLexicon
    claims: Sequence[Finding]
    timeout: float


def _search(patterns: Sequence[CompiledPattern], text: str, timeout: float):
    """First hit of the patterns in a short text (a window, a class attribute)."""
    for cp in patterns:
        m = cp.compiled.search(text, timeout=timeout)
        if m:
            return m
    return None


def _shown(c: CheckInput, name: str) -> bool:
    """Does a visible sentence match the rule's pattern group `name`?"""
    patterns = c.lex.group(c.rule, name)
    return first_match(patterns, c.page.sentences, c.page.candidates, c.timeout) is not None


def matching_sentences(
    patterns: Sequence[CompiledPattern], page: Page, timeout: float, *, visible: bool = True
) -> list[tuple[int, str]]:
    """(sentence index, matched text) for every sentence one of the patterns matches."""
    hits: dict[int, str] = {}
    for cp in patterns:
        for i in page.candidates.sentences(cp):
            sentence = page.sentences[i]
            if i in hits or (visible and sentence.hidden):
                continue
            m = cp.compiled.search(sentence.text, timeout=timeout)
            if m:
                hits[i] = m.group(0)
    return sorted(hits.items())


def page_finding(c: CheckInput, *, severity: Severity | None = None) -> Finding:
    """A finding about the whole page, located at its first line."""
    rule = c.rule
    facts = c.page.facts
    inter = facts.main_intervention if facts else None
    cond = facts.main_condition if facts else None
    message, suggestion = page_texts(rule, c.page.lang, c.lex.terms, inter, cond)
    return Finding(
        code=rule.code,
        name=rule.name,
        severity=severity or rule.severity,
        message=message,
        path=c.page.doc.path,
        suggestion=suggestion,
        scope="page",
    )


def _sentence_finding(
    c: CheckInput, i: int, trigger: str, extra: dict[str, str] | None = None, **kw
) -> Finding:
    sentence = c.page.sentences[i]
    start = max(0, sentence.text.find(trigger)) if trigger else 0
    return build_finding(
        c.rule,
        c.page,
        c.lex,
        i,
        start,
        start + len(trigger),
        trigger=trigger,
        scope="page",
        extra={"trigger": trigger, **(extra or {})},
        **kw,
    )


def _asserted(c: CheckInput, i: int, start: int, end: int) -> bool:
    """Is the phrase at [start, end) of sentence i asserted (not negated, attributed,
    questioned, hypothetical, quoted or about animals)? One ConText scan per sentence."""
    sentence = c.page.sentences[i]
    return decide_scanned(_scans(c).get(i, sentence.text), start, end).decision.asserted


def _scans(c: CheckInput) -> ScanCache:
    scans = c.page.memo.get("scans")
    if not isinstance(scans, ScanCache):
        scans = ScanCache(c.lex.modifiers, c.timeout, c.page.candidates)
        c.page.memo["scans"] = scans
    return scans


def asserted_sentences(patterns: Sequence[CompiledPattern], c: CheckInput) -> list[tuple[int, str]]:
    """(sentence index, matched text) for visible sentences where a pattern hit is asserted."""
    hits: dict[int, str] = {}
    for cp in patterns:
        for i in c.page.candidates.sentences(cp):
            sentence = c.page.sentences[i]
            if i in hits or sentence.hidden:
                continue
            for m in cp.compiled.finditer(sentence.text, timeout=c.timeout):
                if m.end() > m.start() and _asserted(c, i, m.start(), m.end()):
                    hits[i] = m.group(0)
                    break
    return sorted(hits.items())


def _memo(c: CheckInput, key: str, compute: Callable[[CheckInput], list[int]]) -> list[int]:
    """Page-wide answers several checks share (claims, disclaimers), computed once per page."""
    if key not in c.page.memo:
        c.page.memo[key] = compute(c)
    return c.page.memo[key]  # type: ignore[return-value]


def _disclaimers(c: CheckInput) -> list[int]:
    return _memo(c, "disclaimers", _find_disclaimers)


def _claim_sentences(c: CheckInput) -> list[int]:
    return _memo(c, "claims", _find_claim_sentences)


def _find_disclaimers(c: CheckInput) -> list[int]:
    rule = c.lex.lexicon.rule(DISCLAIMER_RULE)
    return [
        i
        for i, _ in matching_sentences(
            c.lex.group(rule, "satisfied_by"), c.page, c.timeout, visible=False
        )
    ]


def _find_claim_sentences(c: CheckInput) -> list[int]:
    """Sentences that make a benefit claim about the page's investigational intervention."""
    indexes: set[int] = set()
    for f in c.claims:
        i = c.page.index.locate(f.start, max(f.start, f.end))
        if i is not None:
            indexes.add(i)
    facts = c.page.facts
    main = c.lex.terms.get(facts.main_intervention or "") if facts else None
    if main is None or main.kind == "standard_care":
        return sorted(indexes)
    rule = c.lex.lexicon.rule(DISCLAIMER_RULE)
    for i, _ in matching_sentences(c.lex.group(rule, "efficacy"), c.page, c.timeout):
        kinds = {m.kind for m in c.page.mentions.get(i, [])}
        if kinds & {"intervention", "anaphor"}:
            indexes.add(i)
    return sorted(indexes)


def _is_prominent(page: Page, i: int) -> bool:
    s = page.sentences[i]
    block = page.doc.blocks[s.block_index]
    return not s.hidden and not block.fine_print and s.region in ("main", "header")


def check_missing_disclaimer(c: CheckInput) -> list[Finding]:
    """CC201: claims about an investigational intervention and no disclaimer at all."""
    claims = _claim_sentences(c)
    if not claims or _disclaimers(c):
        return []
    return [_sentence_finding(c, claims[0], "")]


def check_disclaimer_proximity(c: CheckInput) -> list[Finding]:
    """CC202: a visible disclaimer exists, but none is near the claims (footer, far away)."""
    claims = _claim_sentences(c)
    visible = [i for i in _disclaimers(c) if not c.page.sentences[i].hidden]
    if not claims or not visible:
        return []
    distance = int(c.rule.params.get("max_block_distance", 3))
    near = [i for i in visible if _is_prominent(c.page, i)]
    block = {i: c.page.sentences[i].block_index for i in (*claims, *visible)}
    for claim in claims:
        if not any(abs(block[claim] - block[d]) <= distance for d in near):
            where = c.page.sentences[visible[0]].region
            where = {"main": "fine print" if not near else "body, far from the claim"}.get(
                where, where
            )
            return [_sentence_finding(c, claim, "", extra={"where": where})]
    return []


def check_disclaimer_hidden(c: CheckInput) -> list[Finding]:
    """CC203: the disclaimer is hidden (error) or only in fine print (warning)."""
    found = _disclaimers(c)
    if not found or any(_is_prominent(c.page, i) for i in found):
        return []
    if not _claim_sentences(c):
        return []
    hidden = [i for i in found if c.page.sentences[i].hidden]
    if hidden and len(hidden) == len(found):
        return [
            _sentence_finding(
                c, hidden[0], "", severity=Severity.ERROR, extra={"how": "hidden from visitors"}
            )
        ]
    small = [i for i in found if not c.page.sentences[i].hidden]
    return [_sentence_finding(c, small[0], "", extra={"how": "only in fine print"})]


def check_weak_qualifier(c: CheckInput) -> list[Finding]:
    """CC204: 'promising' or 'preliminary' is the only qualifier on a page with claims."""
    if not _claim_sentences(c) or _disclaimers(c):
        return []
    hits = matching_sentences(c.lex.rule_patterns[c.rule.code], c.page, c.timeout)
    return [_sentence_finding(c, i, word) for i, word in hits[:1]]


def check_absence(c: CheckInput) -> list[Finding]:
    """A required detail (permit, licence, FDA status) is absent from the visible page."""
    if c.lex.group(c.rule, "when") and not _shown(c, "when"):
        return []
    if _shown(c, "satisfied_by"):
        return []
    return [page_finding(c)]


def _physician_mentions(c: CheckInput) -> list[tuple[int, int, int, str]]:
    """(start, end, sentence index, name) of every visible physician name on the page, in
    page order, overlapping matches of different patterns counted once."""
    found = []
    sentences = c.page.sentences
    patterns = c.lex.group(c.rule, "physician")
    for _cp, i, m in iter_hits(patterns, sentences, c.page.candidates, c.timeout):
        if not sentences[i].hidden:
            start = sentences[i].start + m.start()
            found.append((start, start + len(m.group(0)), i, m.group(0)))
    mentions: list[tuple[int, int, int, str]] = []
    for mention in sorted(found):
        if mentions and mention[0] < mentions[-1][1]:
            continue
        mentions.append(mention)
    return mentions


def check_physician_cedula(c: CheckInput) -> list[Finding]:
    """CC303: a named physician with no cédula number near any mention of their name.
    Mentions sharing a surname are one physician; the window around a mention stops at the
    neighbouring physicians' names, so one doctor's cédula does not count for another."""
    window = int(c.rule.params.get("window", 200))
    cedula = c.lex.group(c.rule, "satisfied_by")
    text = c.page.text
    mentions = _physician_mentions(c)
    physicians: list[tuple[set[str], int, str, bool]] = []  # surnames, first sentence, name, shown
    for k, (start, end, i, name) in enumerate(mentions):
        lo = max(start - window, mentions[k - 1][1] if k else 0)
        hi = min(end + window, mentions[k + 1][0] if k + 1 < len(mentions) else len(text))
        shown = bool(_search(cedula, text[lo:hi], c.timeout))
        surnames = {w.lower() for w in name.split()[1:]}
        same = next((n for n, p in enumerate(physicians) if p[0] & surnames), None)
        if same is None:
            physicians.append((surnames, i, name, shown))
        else:
            known, first, first_name, was_shown = physicians[same]
            physicians[same] = (known | surnames, first, first_name, was_shown or shown)
    return [_sentence_finding(c, i, name) for _, i, name, shown in physicians if not shown]


MIN_PATTERN_DIGITS = 4  # shorter digit runs are too often sequential by chance
ZERO_PREFIX = 2  # a long group may open with its year ('24') before the zero filling


def _normalise_number(number: str) -> str:
    """Digits and capital letters only: '24-0000 0000 a00000' -> '240000000000A00000'."""
    return "".join(ch for ch in number.upper() if ch.isascii() and ch.isalnum())


def _is_sequential(digits: str) -> bool:
    """Each digit one more (or each one less) than the one before, 9 -> 0 wrapping."""
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(digits)}
    return steps in ({1}, {9})


def _is_zero_filled(digits: str) -> bool:
    """All zeros, or all zeros after a two-digit opening in a long group ('2400000000')."""
    tail = digits[ZERO_PREFIX:] if len(digits) > 6 else digits
    return set(tail) == {"0"}


def placeholder_reason(number: str, listed: Collection[str] = ()) -> str | None:
    """Why `number` is a placeholder rather than an issued number, or None.

    A placeholder is one of `listed` (the documentation's own example numbers, compared
    on digits and capitals only), or has a digit group of 4 or more digits that is
    sequential (1234567, 0123456, 7654321), one repeated digit (1111111) or zero-filled
    (2400000000A00000).
    """
    key = _normalise_number(number)
    if key in {_normalise_number(n) for n in listed}:
        return "is an example number from the documentation, not an issued one"
    for digits in re.findall(r"\d+", key):
        if len(digits) < MIN_PATTERN_DIGITS:
            continue
        if _is_zero_filled(digits):
            return "is a placeholder: its digits are zero-filled"
        if len(set(digits)) == 1:
            return "is a placeholder: one digit repeated"
        if _is_sequential(digits):
            return "is a placeholder: its digits are sequential"
    return None


def _placeholders(c: CheckInput) -> tuple[str, ...]:
    return tuple(str(n) for n in c.rule.params.get("placeholders", ()))


def check_cedula_format(c: CheckInput) -> list[Finding]:
    """CC304: a cédula number that is not 7 or 8 digits, or a placeholder (sequential,
    repeated or zero-filled digits, or one of the rule's `placeholders`)."""
    out = []
    listed = _placeholders(c)
    patterns = c.lex.rule_patterns[c.rule.code]
    for _cp, i, m in iter_hits(patterns, c.page.sentences, c.page.candidates, c.timeout):
        digits = "".join(ch for ch in m.group("num") if ch.isdigit())
        if len(digits) not in (7, 8):
            problem = "is not a 7- or 8-digit number"
        else:
            problem = placeholder_reason(digits, listed) or ""
        if problem:
            out.append(_sentence_finding(c, i, m.group(0), extra={"problem": problem}))
    return out


def check_trial_registry(c: CheckInput) -> list[Finding]:
    """CC309: the page talks about its trial or study and gives no registry ID."""
    if _shown(c, "satisfied_by"):
        return []
    hits = matching_sentences(c.lex.rule_patterns[c.rule.code], c.page, c.timeout)
    return [_sentence_finding(c, i, word) for i, word in hits[:1]]


def check_testimonial_typicality(c: CheckInput) -> list[Finding]:
    """CC401: outcome testimonials and no statement of generally expected results."""
    if _shown(c, "satisfied_by"):
        return []
    hits = {
        i: text
        for i, text in matching_sentences(c.lex.rule_patterns[c.rule.code], c.page, c.timeout)
        if not c.page.sentences[i].text.rstrip().endswith("?")
    }
    cls = c.lex.group(c.rule, "testimonial_class")
    outcome = c.lex.group(c.lex.lexicon.rule(DISCLAIMER_RULE), "efficacy")
    classes: dict[str, bool] = {}
    for i, s in enumerate(c.page.sentences):
        css = c.page.doc.blocks[s.block_index].css_class
        if i in hits or s.hidden or not css:
            continue
        if css not in classes:
            classes[css] = _search(cls, css, c.timeout) is not None
        if classes[css]:
            m = _search(outcome, s.text, c.timeout)
            if m:
                hits[i] = m.group(0)
    out, blocks = [], set()
    for i in sorted(hits):
        block_index = c.page.sentences[i].block_index
        if block_index not in blocks:
            blocks.add(block_index)
            out.append(_sentence_finding(c, i, hits[i]))
    return out


def check_mention_without(c: CheckInput) -> list[Finding]:
    """A page that asserts something (a research claim, a patient-ambassador programme, a
    before/after result) without the detail that must go with it (`satisfied_by`)."""
    if _shown(c, "satisfied_by"):
        return []
    hits = asserted_sentences(c.lex.rule_patterns[c.rule.code], c)
    return [_sentence_finding(c, i, word) for i, word in hits[:1]]


def _claim_sentence_set(c: CheckInput) -> set[int]:
    located = (c.page.index.locate(f.start, max(f.start, f.end)) for f in c.claims)
    return {i for i in located if i is not None}


def check_claims_without(c: CheckInput) -> list[Finding]:
    """CC206: a page with benefit claims and no visible, asserted statement of the kind
    `satisfied_by` describes (risks). A sentence that is itself an overclaim ('no risk of
    rejection') never counts."""
    claims = _claim_sentences(c)
    if not claims:
        return []
    overclaims = _claim_sentence_set(c)
    shown = asserted_sentences(c.lex.group(c.rule, "satisfied_by"), c)
    if any(i not in overclaims for i, _ in shown):
        return []
    return [_sentence_finding(c, claims[0], "")]


@functools.lru_cache(maxsize=32)
def _source_filter(patterns: tuple[str, ...]) -> PatternSet | None:
    """One RE2 set of the relaxed `patterns` (a superset) for a first pass over a whole
    page source, or None when one of them cannot be relaxed. RE2 scans a 55 KB page in a
    fraction of the time `regex` takes, and most pages have no match at all."""
    quick = PatternSet()
    if not quick.enabled or any(quick.add(p) is None for p in patterns):
        return None
    quick.compile()
    return quick


def check_video_disclaimer(c: CheckInput) -> list[Finding]:
    """CC205 (v1): a page with an embedded video, benefit claims and no visible disclaimer.
    The video's own words cannot be read yet, so the page's disclaimer stands in for them."""
    claims = _claim_sentences(c)
    if not claims or any(not c.page.sentences[i].hidden for i in _disclaimers(c)):
        return []
    source = c.page.doc.source_text
    embeds = c.lex.group(c.rule, "embed")
    quick = _source_filter(tuple(cp.pattern.regex for cp in embeds))
    if not source or (quick is not None and not quick.match(source)):
        return []
    embed = _search(embeds, source, c.timeout)
    if embed is None:
        return []
    return [_sentence_finding(c, claims[0], "", extra={"embed": embed.group(0)[:60]})]


def check_co_occurrence(c: CheckInput) -> list[Finding]:
    """CC207: a rule pattern and a pattern of the `with` group, both asserted, in one block
    and at most `window` sentences apart (a study invitation and a fee); one finding per
    block, at the rule pattern's sentence."""
    mentions = asserted_sentences(c.lex.rule_patterns[c.rule.code], c)
    if not mentions:
        return []
    window = int(c.rule.params.get("window", 1))
    partners = asserted_sentences(c.lex.group(c.rule, "with"), c)
    sentences = c.page.sentences
    out, blocks = [], set()
    for i, text in mentions:
        block = sentences[i].block_index
        if block in blocks:
            continue
        near = [
            word
            for j, word in partners
            if sentences[j].block_index == block and abs(i - j) <= window
        ]
        if near:
            blocks.add(block)
            out.append(_sentence_finding(c, i, text, extra={"with": near[0]}))
    return out


def _next_token(c: CheckInput, i: int) -> str:
    """The first word of the sentence after i when it is in the same block ('' if none)."""
    sentences = c.page.sentences
    if i + 1 >= len(sentences) or sentences[i + 1].block_index != sentences[i].block_index:
        return ""
    words = sentences[i + 1].text.split()
    return words[0].rstrip(".,;") if words else ""


def check_number_format(c: CheckInput) -> list[Finding]:
    """CC302: a number captured as `num` by the rule's patterns that fully matches none of
    the `valid` shapes (a placeholder, a typo, an invented number), or that has a valid
    shape but is a placeholder (`placeholder_reason`)."""
    valid = c.lex.group(c.rule, "valid")
    listed = _placeholders(c)
    out = []
    seen: set[int] = set()
    patterns = c.lex.rule_patterns[c.rule.code]
    for _cp, i, m in iter_hits(patterns, c.page.sentences, c.page.candidates, c.timeout):
        if i in seen or c.page.sentences[i].hidden:
            continue
        number = m.group("num").strip()
        if not number:  # 'No.' ends the sentence: the number, if any, opens the next one
            number = _next_token(c, i)
        if not any(cp.compiled.fullmatch(number, timeout=c.timeout) for cp in valid):
            problem = "has neither of the observed COFEPRIS shapes"
        else:
            problem = placeholder_reason(number, listed) or ""
        if problem:
            seen.add(i)
            extra = {"number": number, "problem": problem}
            out.append(_sentence_finding(c, i, m.group(0), extra=extra))
    return out


_DOCTOR_NAME = re.compile(
    r"\b(?:Dr|Dra|DR|DRA)\.?\s+[A-ZÁÉÍÓÚÑ][\w'-]+(?:\s+[A-ZÁÉÍÓÚÑ][\w'-]+){0,3}"
)


def check_expert_endorsement(c: CheckInput) -> list[Finding]:
    """CC404: an overclaim (the codes in `claim_codes`) inside a quotation attributed to a
    physician ('— Dr. Hollis', 'says Dr. Ruiz', ', MD') in the same or the next block."""
    sentences, blocks = c.page.sentences, c.page.doc.blocks
    endorsed: dict[int, str] = {}  # block -> the attribution that covers it
    for i, who in matching_sentences(c.lex.group(c.rule, "endorser"), c.page, c.timeout):
        b = sentences[i].block_index
        name = _DOCTOR_NAME.search(who)
        for block in (b, b - 1):
            endorsed.setdefault(block, name.group(0) if name else who.strip(" —–-"))
    if not endorsed:  # the common case: no physician is quoted, no overclaim search
        return []
    rules = [r for r in c.lex.lexicon.rules if r.code in c.rule.params.get("claim_codes", ())]
    # The overclaims are found here, not taken from `claims`: the rule must work on its own.
    # A claim inside quotation marks is what the endorser says, so 'quoted' counts here.
    claims = [
        f
        for f in trigger_findings(rules, c.page, c.lex, _scans(c))
        if not f.suppressed or f.context.status == "quoted"
    ]
    out, done = [], set()
    for f in sorted(claims, key=lambda f: f.start):
        i = c.page.index.locate(f.start, max(f.start, f.end))
        if i is None or sentences[i].block_index not in endorsed:
            continue
        b = sentences[i].block_index
        own = [s for s in sentences if s.block_index == b]
        start, text = own[0].start, c.page.text[own[0].start : own[-1].end]
        quoted = blocks[b].kind == "quote" or inside_quotes(
            text, f.start - start, f.end - start, whole_quote=True
        )
        if quoted and b not in done:
            done.add(b)
            extra = {"endorser": endorsed[b]}
            out.append(_sentence_finding(c, i, f.trigger, extra=extra))
    return out


CHECKS: dict[str, Callable[[CheckInput], list[Finding]]] = {
    "missing_disclaimer": check_missing_disclaimer,
    "disclaimer_proximity": check_disclaimer_proximity,
    "disclaimer_hidden": check_disclaimer_hidden,
    "weak_qualifier": check_weak_qualifier,
    "absence": check_absence,
    "physician_cedula": check_physician_cedula,
    "cedula_format": check_cedula_format,
    "trial_registry": check_trial_registry,
    "testimonial_typicality": check_testimonial_typicality,
    "mention_without": check_mention_without,
    "claims_without": check_claims_without,
    "video_disclaimer": check_video_disclaimer,
    "co_occurrence": check_co_occurrence,
    "number_format": check_number_format,
    "expert_endorsement": check_expert_endorsement,
}
