"""Trigger matches -> Findings: the one place where claim policy lives.

Policy, in order:
1. A trigger counts only if its sentence has what the rule `requires` (a condition, an
   intervention or 'our treatment', or a page topic).
2. Context first: a negated, attributed, questioned, hypothetical, animal-only or quoted
   trigger is reported as suppressed, with the modifier that decided it.
3. A hedge ('may', 'early studies suggest') lowers the claim one step, except in headings.
4. Evidence second: the claim is an overclaim only if its strength exceeds what the
   evidence level of intervention x condition allows; otherwise it is suppressed by
   evidence (e.g. 'insulin therapy lowers blood glucose').
5. A hedged claim that still exceeds the evidence is reported one severity lower.
6. One finding per rule and sentence: the first asserted trigger wins.

The classifier (a later addition) plugs in here, and only here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache, partial

from claimcheck.context import (
    Context,
    ScanCache,
    SentenceScan,
    decide_scanned,
    has_category,
    in_open_quote,
    quoted_spans,
)
from claimcheck.evidence import (
    LEVEL_TEXT,
    allowance,
    condition_label,
    exceeds,
    lookup,
    resolve,
    weaker,
)
from claimcheck.facts import Page
from claimcheck.lexicon.types import ALLOWED_STRENGTH, Rule, fill_template
from claimcheck.match import CompiledLexicon, Timeout, find_matches
from claimcheck.messages import not_reported, page_texts
from claimcheck.model import ContextDecision, Evidence, Finding, Match, Mention, Severity

HEADING_KINDS = ("title", "heading")
SUBJECT_RANK = {"approved_product": 0, "standard_care": 2}
FOLLOWUP_WINDOW = 2  # sentences after an animal result in which 'the same for you' counts


def _overlaps(m: Mention, start: int, end: int) -> bool:
    return m.start < end and start < m.end


# 'remission on a low-calorie diet', 'remisión con cirugía bariátrica': standard care after a
# trigger and one of these words is the means of the claim, not its object.
MEANS = re.compile(
    r"^\W*(?:\w+\W+){0,3}?(?:on|with|through|after|by|via|following|thanks to|con|mediante|"
    r"tras|gracias a|despu[eé]s de)\W",
    re.IGNORECASE,
)


def _object_of(text: str, end: int, m: Mention) -> bool:
    """Is standard care after the trigger its object ('... make insulin again'), not the
    treatment the claim is made for ('remission on a low-calorie diet')?"""
    if not end or m.start < end:
        return False
    return not MEANS.match(text[end : m.start] + " ")


def resolve_subject(
    page: Page, lex: CompiledLexicon, sentence_index: int, start: int = 0, end: int = 0
) -> tuple[str | None, str | None, str | None, bool]:
    """(intervention id, condition id, intervention as written, inferred?) for a sentence.

    The sentence's own intervention wins (a named approved product first, then
    investigational ones, then standard care; ignoring words inside the trigger); 'our
    treatment' or no intervention falls back to the page's main intervention. Among
    several of a rank, the one nearest the trigger is taken.
    """
    mentions = page.mentions.get(sentence_index, [])
    text = page.sentences[sentence_index].text
    named = [
        m
        for m in mentions
        if m.kind == "intervention"
        and not _overlaps(m, start, end)
        and not (lex.terms[m.term].kind == "standard_care" and _object_of(text, end, m))
    ]
    named.sort(key=lambda m: (SUBJECT_RANK.get(lex.terms[m.term].kind, 1), abs(m.start - start)))
    facts = page.facts
    conditions = sorted(
        (m for m in mentions if m.kind == "condition"), key=lambda m: abs(m.start - start)
    )
    condition = conditions[0].term if conditions else (facts.main_condition if facts else None)
    if named:
        return named[0].term, condition, named[0].text, False
    main = facts.main_intervention if facts else None
    return main, condition, None, True


def requirement_met(
    rule: Rule,
    page: Page,
    sentence_index: int,
    lex: CompiledLexicon | None = None,
    timeout: Timeout = 1.0,
) -> bool:
    """Does the sentence (or page) mention what the rule needs to be about?

    Besides the lexicon's interventions and anaphora, a rule may name its own treatment
    subjects (params `subject`: 'these cells', 'el suero', 'this formula'), which count as
    an intervention for that rule.
    """
    if not rule.requires:
        return True
    kinds = {m.kind for m in page.mentions.get(sentence_index, [])}
    if "intervention" not in kinds and _own_subject(
        rule, page, sentence_index, lex, timeout, "standard"
    ):
        return False  # 'conventional treatments help control symptoms': standard care's claim
    topic = any(page.mentions.values()) or _is_snippet(page)
    return (
        ("condition" in rule.requires and "condition" in kinds)
        or ("intervention" in rule.requires and bool(kinds & {"intervention", "anaphor"}))
        or ("topic" in rule.requires and topic)
        or (
            "intervention" in rule.requires
            and _own_subject(rule, page, sentence_index, lex, timeout)
        )
    )


def _is_snippet(page: Page) -> bool:
    """Is the page a snippet ('unknown' type: fewer than three sentences and no seller or
    editorial cue)? claimcheck is pointed at health marketing, so a snippet is presumed to
    be about the treatment it is checked for: its health topic and its subject need not
    be named in it (docs/accuracy.md, decision of 2026-12-05)."""
    return page.facts is not None and page.facts.page_type == "unknown"


def _own_subject(
    rule: Rule,
    page: Page,
    i: int,
    lex: CompiledLexicon | None,
    timeout: Timeout,
    group: str = "subject",
) -> bool:
    """Does sentence i name one of the rule's own subjects (params `subject`: a treatment;
    `standard`: standard care such as 'conventional treatments', whose benefits pass)?"""
    patterns = lex.group(rule, group) if lex is not None else ()
    text = page.sentences[i].text
    return any(cp.compiled.search(text, timeout=timeout) for cp in patterns)


render_text = fill_template  # messages are rule data: the lexicon owns the filling


def ruled_out(findings: list[Finding], lang: str = "en") -> list[Finding]:
    """The last step: a hit that context or evidence ruled out says why it is not reported
    (in the page's output language), not the message and rewrite of an overclaim the page
    did not make."""
    return [
        replace(f, message=not_reported(f.name, f.suppressed_by, lang), suggestion="")
        if f.suppressed
        else f
        for f in findings
    ]


def template_values(
    lex: CompiledLexicon,
    inter_id: str | None,
    cond_id: str | None,
    written: str | None,
    lang: str,
    evidence: Evidence | None,
    trigger: str,
    extra: dict[str, str] | None,
) -> dict[str, object]:
    """Placeholder values for messages (English) and suggestions (the sentence's language)."""
    inter = lex.terms.get(inter_id or "")
    default = "este tratamiento" if lang == "es" else "this treatment"
    level = evidence.level if evidence else None
    if written and inter and inter.label[:1].islower() and written[1:2].islower():
        written = written[:1].lower() + written[1:]  # 'Stem cell therapy' opened its sentence
    return {
        "intervention": written or (inter.label_for(lang) if inter else default),
        "condition": condition_label(lex, cond_id, lang),
        "level": level,
        "level_text": LEVEL_TEXT.get(level or "", ""),
        "trigger": trigger,
        **(extra or {}),
    }


def build_finding(
    rule: Rule,
    page: Page,
    lex: CompiledLexicon,
    sentence_index: int,
    start: int,
    end: int,
    *,
    trigger: str = "",
    pattern_id: str = "",
    context: ContextDecision | None = None,
    evidence: Evidence | None = None,
    severity: Severity | None = None,
    scope: str = "sentence",
    suppressed_by: str | None = None,
    extra: dict[str, str] | None = None,
) -> Finding:
    """A Finding at a sentence, with message and suggestion filled from rule templates."""
    sentence = page.sentences[sentence_index]
    if evidence is None:  # a page-level duty: about the page's main topic
        facts = page.facts
        inter_id = facts.main_intervention if facts else None
        cond_id = facts.main_condition if facts else None
        written = None
    else:
        inter_id, cond_id = evidence.intervention, evidence.condition
        written = resolve_subject(page, lex, sentence_index, start, end)[2]
    level = evidence.level if evidence else None
    message, suggestion = page_texts(
        rule, page.lang, lex.terms, inter_id, cond_id, written=written,
        written_lang=sentence.lang, level=level, trigger=trigger, extra=extra,
    )  # fmt: skip
    return Finding(
        code=rule.code,
        name=rule.name,
        severity=severity or rule.severity,
        message=message,
        path=page.doc.path,
        line=sentence.line,
        column=sentence.column,
        start=sentence.start + start,
        end=sentence.start + end,
        sentence=sentence.text,
        trigger=trigger,
        pattern_id=pattern_id,
        context=context or ContextDecision(),
        evidence=evidence,
        suggestion=suggestion,
        scope=scope,  # type: ignore[arg-type]
        suppressed=suppressed_by is not None,
        suppressed_by=suppressed_by,
    )


def _judge(rule: Rule, page: Page, lex: CompiledLexicon, match: Match, scans: ScanCache) -> Finding:
    sentence = page.sentences[match.sentence_index]
    timeout = scans.timeout
    inter, cond, _, inferred = resolve_subject(
        page, lex, match.sentence_index, match.start, match.end
    )
    found, row = resolve(lex, inter, cond)
    evidence = replace(found, intervention_inferred=inferred)
    editorial = page.facts is not None and page.facts.page_type == "editorial"
    commercial = page.facts is not None and page.facts.page_type == "commercial"
    sentence_scan = scans.get(match.sentence_index, sentence.text)
    ctx = decide_scanned(
        sentence_scan, match.start, match.end, whole_quote=editorial, reported=not commercial
    )
    emit = partial(
        build_finding,
        rule,
        page,
        lex,
        match.sentence_index,
        match.start,
        match.end,
        trigger=match.text,
        pattern_id=match.pattern_id,
        evidence=evidence,
    )
    if sentence.block_index in page.references:
        ctx = Context(ContextDecision("attributed", "reference list", "references-section"))
    elif editorial and ctx.decision.asserted and quoted(page, match.sentence_index, match.start):
        ctx = Context(ContextDecision("quoted", "quotation", "open-quote"))
    if not ctx.decision.asserted:
        reason = f"context: {ctx.decision.status} by '{ctx.decision.modifier}'"
        return emit(context=ctx.decision, suppressed_by=reason)
    strength = match.strength
    hedged = ctx.hedged and sentence.kind not in HEADING_KINDS
    if rule.params.get("hedged_passes"):
        # Implied-benefit rules: 'may help repair' is the hedged claim the evidence allows
        # for a trial-stage therapy; only the asserted form ('repairs', 'can repair') counts.
        # A hedge anywhere in the sentence qualifies the benefits it lists.
        hedge = ctx.hedge if hedged else has_category(sentence_scan, "HEDGED")
        if hedge:
            decision = ContextDecision("asserted", hedge, "hedged")
            return emit(context=decision, suppressed_by=f"context: hedged by '{hedge}'")
    if hedged and MODAL_HEDGE.match(ctx.hedge or ""):
        # 'may/could/podría/appears to reverse': the possibility is a hedged claim, not an assertion
        # (the real-world labelling convention; 'can/puede' stays an assertion).
        decision = ContextDecision("asserted", ctx.hedge, "hedged")
        return emit(context=decision, suppressed_by=f"context: hedged by '{ctx.hedge}'")
    if hedged:
        strength = weaker(strength)
    if not exceeds(strength, evidence.level):
        allowed = ALLOWED_STRENGTH[evidence.level]
        reason = (
            f"evidence: a {strength} claim is within what '{evidence.level}' allows ({allowed})"
        )
        return emit(suppressed_by=reason)
    hedge = ctx.hedge if hedged else None
    supported = allowance(lex, row, rule.code, sentence.text, hedge=hedge, timeout=timeout)
    if supported:
        return emit(suppressed_by=supported)
    if _citation_nearby(rule, page, lex, match.sentence_index, timeout):
        return emit(suppressed_by="citation given in the same block")
    severity = Severity(max(Severity.INFO, rule.severity - 1)) if hedged else rule.severity
    context = ContextDecision("asserted", ctx.hedge, "hedged") if hedged else ctx.decision
    return emit(context=context, severity=severity)


def quoted(page: Page, i: int, offset: int) -> bool:
    """Is character `offset` of sentence i inside a quotation that may have opened in an
    earlier sentence of its block? On an editorial page a quotation is someone else's
    claim; on a seller's page its own doctor's words are the seller's."""
    return in_open_quote(_quoted_spans(page.text), page.sentences[i].start + offset)


@lru_cache(maxsize=8)
def _quoted_spans(text: str) -> tuple[tuple[int, int], ...]:
    """The page's quotation spans, found once per page (not once per sentence)."""
    return quoted_spans(text)


def _citation_nearby(rule: Rule, page: Page, lex: CompiledLexicon, i: int, timeout: float) -> bool:
    patterns = lex.group(rule, "citation_nearby")
    if not patterns:
        return False
    block = page.sentences[i].block_index
    text = " ".join(s.text for s in page.sentences if s.block_index == block)
    return any(cp.compiled.search(text, timeout=timeout) for cp in patterns)


def _judge_sentence(
    rule: Rule, page: Page, lex: CompiledLexicon, matches: Sequence[Match], scans: ScanCache
) -> Finding:
    """One finding per rule and sentence: the first asserted trigger, else the first hit."""
    first = None
    for match in matches:
        finding = _judge(rule, page, lex, match, scans)
        if not finding.suppressed:
            return finding
        first = first or finding
    assert first is not None
    return first


def trigger_findings(
    rules: Sequence[Rule], page: Page, lex: CompiledLexicon, scans: ScanCache
) -> list[Finding]:
    """Findings (active and suppressed) for every sentence-level trigger rule."""
    out: list[Finding] = []
    for rule in rules:
        if rule.check != "trigger":
            continue
        by_sentence: dict[int, list[Match]] = {}
        patterns = lex.rule_patterns[rule.code]
        for m in find_matches(rule, patterns, page.sentences, page.candidates, scans.timeout):
            by_sentence.setdefault(m.sentence_index, []).append(m)
        standalone = set(rule.params.get("standalone", ()))
        for i, matches in by_sentence.items():
            if not requirement_met(rule, page, i, lex, scans.timeout):
                # Patterns specific enough to need no subject ('regenerates your pancreas').
                matches = [m for m in matches if m.pattern_id in standalone]
            if matches:
                out.append(_judge_sentence(rule, page, lex, matches, scans))
    return out


def preclinical_findings(
    rule: Rule, page: Page, lex: CompiledLexicon, scans: ScanCache
) -> list[Finding]:
    """CC113: an animal or lab result presented as what patients will get.

    Fires when a sentence with a non-human qualifier also addresses the patient ('you',
    'our patients'), or when one of the next two sentences of the same block says 'it can
    do the same for you'.
    """
    out: list[Finding] = []
    patient = lex.rule_patterns[rule.code]
    followup = lex.group(rule, "followup")
    last_nonhuman: tuple[int, int] | None = None  # (sentence index, block index)
    for i, sentence in enumerate(page.sentences):
        nonhuman = scans.nonhuman(i, sentence.text)
        recent = (
            last_nonhuman is not None
            and last_nonhuman[1] == sentence.block_index
            and i - last_nonhuman[0] <= FOLLOWUP_WINDOW
        )
        candidates = patient if nonhuman else (followup if recent else ())
        if nonhuman:
            last_nonhuman = (i, sentence.block_index)
        for cp in candidates:
            m = cp.compiled.search(sentence.text, timeout=scans.timeout)
            if not m:
                continue
            ctx = decide_scanned(scans.get(i, sentence.text), m.start(), m.end())
            if ctx.decision.status in ("negated", "attributed", "question", "hypothetical"):
                continue
            inter, cond, _, inferred = resolve_subject(page, lex, i)
            evidence = replace(lookup(lex, inter, cond), intervention_inferred=inferred)
            context = ContextDecision(
                "asserted", nonhuman or "previous sentence", "nonhuman-benefit"
            )
            out.append(
                build_finding(
                    rule,
                    page,
                    lex,
                    i,
                    m.start(),
                    m.end(),
                    trigger=m.group(0),
                    pattern_id=cp.pattern.id,
                    context=context,
                    evidence=evidence,
                )
            )
            break
    return out


# --- the classifier beside the rules -------------------------------------------------------
#
# 7. The classifier reads the visible sentences with a CC1xx hit and those that could
#    become a model-only finding under step 10; no other sentence can change the result.
# 8. A rule finding the model agrees with (p(overclaim) >= `agree`) is marked 'rule+model';
#    every CC1xx finding carries the model's label and probability.
# 9. A rule hit suppressed by context is revived only when the model is very sure
#    (p >= `revive`); evidence suppressions are never revived.
# 10. A sentence no rule flagged becomes a CC114 finding (engine 'model', the rule's lower
#    severity) when p(overclaim) >= `model_only` and the sentence has the shape of a claim
#    made in body text (`model_only_candidate`). Whole pages are full of text the corpus
#    sentences do not look like, and that is where the model is least reliable, so it may
#    only speak up about:
#    a. body text: paragraphs, list items and quotes in the main region (not headings,
#       titles, table cells, image alt text, nav, header, footer or aside blocks);
#    b. sentences of at least MODEL_ONLY_MIN_WORDS words that name a treatment (or 'our
#       treatment'); on a commercial page a condition, organ or biomarker mention, or the
#       page's main intervention, stands for the treatment, as real copy says 'these
#       cells' or nothing at all; a snippet ('unknown' page: fewer than three sentences,
#       no cue) is presumed to be about one (`_names_treatment`);
#    c. not menus or breadcrumbs: no more than one separator such as '|', '>', '›', '»' or
#       ' · ' between short items;
#    d. not a heading glued to its paragraph: plain-text and some HTML pages lose the line
#       break after a heading, so 'What to expect Expectations are ...' arrives as one
#       sentence. A capitalised word in the first MAX_HEADING_WORDS words that follows an
#       all-lower-case word that can end a sentence (not 'of', 'de' ...) and that the
#       page also writes in lower case elsewhere ('Type' beside 'type 2 diabetes') marks
#       such a seam (`heading_seam`). Proper names ('Tijuana', 'Delgado') never appear in
#       lower case, and title-case names ('Regeneris Therapy') follow a capitalised word.
#    e. the threshold rises with the page type (`_model_only_threshold`): `model_only` for
#       short texts, at least `model_only_commercial` on a seller's whole page, at least
#       `model_only_editorial` on an editorial page.
#    `model_only` is chosen on cross-validation grouped by URL over the real-world dev set
#    and stored with the model (training.py, models/README.md); the page-type thresholds
#    were checked on the dev pages (docs/accuracy.md, "Real-world dev set").

DEFAULT_THRESHOLDS = {
    "agree": 0.5,
    "model_only": 0.8,  # single sentences and short texts ('unknown' pages)
    "model_only_commercial": 0.9,  # a whole seller's page: much of it is neutral description
    "model_only_editorial": 0.97,  # reported and criticised claims are the norm there
    "revive": 0.97,
}
MODEL_RULE = "CC114"
MODAL_HEDGE = re.compile(
    r"(may|might|could|possibly|potentially|appears? to|seems? to|podr[ií]\w*|potencialmente"
    r"|posiblemente|quiz[aá]s?|parecen?)\b",
    re.IGNORECASE,
)
MODEL_ONLY_MIN_WORDS = 6


BODY_KINDS = ("paragraph", "list_item", "quote")
MENU_SEPARATOR = re.compile(r"\s(?:\||>|›|»|·|/)\s")
MAX_HEADING_WORDS = 14
SEAM = re.compile(r"(?<=[a-záéíóúñ)]) ([A-ZÁÉÍÓÚÑ][a-záéíóúñ]+)\b")
NOT_SENTENCE_END = frozenset(
    [
        *("a", "an", "the", "of", "in", "on", "at", "by", "to", "for", "from", "with"),
        *("and", "or", "our", "your", "dr", "dra", "mr", "mrs", "ms", "st", "de", "del"),
        *("la", "el", "los", "las", "y", "o", "en", "con", "por", "para", "al", "su", "sus"),
        *("nuestro", "nuestra"),
    ]
)


_WORD = re.compile(r"[\w-]+")


@lru_cache(maxsize=8)
def _words(page_text: str) -> frozenset[str]:
    """The words of a page as written (case kept), built once per page, not per sentence."""
    return frozenset(_WORD.findall(page_text))


def heading_seam(text: str, page_text: str | None = None) -> int | None:
    """Where a heading run into its paragraph ends (policy step 10d), or None.

    A seam is a capitalised word within the first MAX_HEADING_WORDS words that follows an
    all-lower-case word that can end a sentence (not 'of', 'Dr.', 'de'), is not an
    abbreviation ('No.'), and that `page_text` (default: the sentence itself) also
    contains in lower case, so it is an ordinary word capitalised because a new sentence
    starts, not part of a name ('At Regeneris Therapy', 'Diabetic Neuropathy').
    """
    page_text = text if page_text is None else page_text
    for m in SEAM.finditer(text):
        before = text[: m.start()].split()
        if len(before) > MAX_HEADING_WORDS:
            break  # matches come in order: no later one is within the heading words either
        if len(before) < 2:
            continue
        previous = before[-1]
        if not (previous.islower() or previous.endswith(")")):
            continue  # 'Regeneris Therapy', 'Type 2 Diabetes': part of a title-case name
        if previous.strip(".,") in NOT_SENTENCE_END or text[m.end() : m.end() + 1] == ".":
            continue  # 'of Type', 'Dr. Vela'; 'No.' is an abbreviation
        word = m.group(1).lower()
        if word in _words(page_text):
            return m.start() + 1
    return None


def model_only_candidate(
    text: str,
    names_treatment: bool,
    kind: str = "paragraph",
    region: str = "main",
    page_text: str | None = None,
) -> bool:
    """May a sentence become a model-only finding at all (policy step 10a-d)?"""
    return (
        names_treatment
        and kind in BODY_KINDS
        and region == "main"
        and len(text.split()) >= MODEL_ONLY_MIN_WORDS
        and len(MENU_SEPARATOR.findall(text)) < 2
        and heading_seam(text, page_text) is None
    )


SELLER_PAGE_TYPES = ("commercial", "unknown")


def _names_treatment(page: Page, i: int) -> bool:
    """Step 10b: does sentence i name a treatment or 'our treatment'? On a page that sells,
    real copy says 'these cells', 'the treatment' or nothing at all, so there a condition,
    organ or biomarker mention, or the page's own main intervention, stands for the
    treatment; a snippet ('unknown' page) is presumed to be about one (`_is_snippet`).
    Editorial pages keep the strict reading."""
    mentions = page.mentions.get(i, [])
    if any(m.kind in ("intervention", "anaphor") for m in mentions) or _is_snippet(page):
        return True
    facts = page.facts
    if facts is None or facts.page_type not in SELLER_PAGE_TYPES:
        return False
    return bool(mentions) or facts.main_intervention is not None


def _model_only_threshold(page: Page, thresholds: dict[str, float]) -> float:
    """p(overclaim) a model-only finding needs, by page type: higher on a whole seller's
    page than on a short text, far higher on editorial pages."""
    page_type = page.facts.page_type if page.facts is not None else "unknown"
    key = f"model_only_{page_type}"
    return max(thresholds["model_only"], thresholds.get(key, DEFAULT_THRESHOLDS.get(key, 0.0)))


def _model_only_candidates(page: Page, flagged: set[int]) -> set[int]:
    """Visible sentences no rule flagged that step 10 allows to become model-only findings."""
    editorial = page.facts is not None and page.facts.page_type == "editorial"
    return {
        i
        for i in range(len(page.sentences))
        if i not in flagged
        and not page.sentences[i].hidden
        and not (editorial and quoted(page, i, len(page.sentences[i].text) // 2))
        and model_only_candidate(
            page.sentences[i].text,
            _names_treatment(page, i),
            page.sentences[i].kind,
            page.sentences[i].region,
            page.text,
        )
    }


def apply_model(
    findings: list[Finding],
    page: Page,
    lex: CompiledLexicon,
    classifier,
    rules: Sequence[Rule],
    scans: ScanCache | None = None,
) -> list[Finding]:
    """Annotate CC1xx findings with the model's view and add model-only overclaims."""
    located = {
        id(f): page.index.locate(f.start, max(f.end, f.start))
        for f in findings
        if f.code.startswith("CC1") and f.scope == "sentence"
    }
    flagged = {i for i in located.values() if i is not None}
    # A sentence already reported as a testimonial (CC401) is not also a model-only overclaim.
    told = {page.index.locate(f.start, max(f.end, f.start)) for f in findings if f.code == "CC401"}
    rule = next((r for r in rules if r.code == MODEL_RULE), None)
    candidates = _model_only_candidates(page, flagged) - told if rule is not None else set()
    indexes = sorted({i for i in flagged if not page.sentences[i].hidden} | candidates)
    if not indexes:
        return findings
    thresholds = {**DEFAULT_THRESHOLDS, **classifier.meta.get("thresholds", {})}
    predictions = classifier.predict([page.sentences[i].text for i in indexes])
    overclaim = {
        i: p.probabilities.get("overclaim", 0.0) for i, p in zip(indexes, predictions, strict=True)
    }
    best = {i: p for i, p in zip(indexes, predictions, strict=True)}
    out = []
    for f in findings:
        i = located.get(id(f))
        if i is None or i not in best:
            out.append(f)
            continue
        p = overclaim[i]
        f = replace(f, model_label=best[i].label, model_probability=round(best[i].probability, 4))
        if p >= thresholds["agree"] and not f.suppressed:
            f = replace(f, engine="rule+model")
        elif p >= thresholds["revive"] and (f.suppressed_by or "").startswith("context:"):
            f = replace(
                f,
                engine="rule+model",
                suppressed=False,
                suppressed_by=None,
                context=ContextDecision("asserted", None, "model"),
            )
        out.append(f)
    if rule is not None:
        needed = _model_only_threshold(page, thresholds)
        for i in sorted(candidates):
            if overclaim[i] >= needed and not _qualified(page, i, scans):
                out.append(_model_finding(rule, page, lex, i, overclaim[i]))
    return out


MODEL_ONLY_VETO = ("QUESTION", "HYPOTHETICAL", "NONHUMAN", "HEDGED")
# A patient's own account or the clinic's anecdote about one named patient is a testimonial
# (CC401), not a model-only overclaim; other attributions ('los llamados') do not veto.
TESTIMONY_PREFIX = "testimony-"


def _qualified(page: Page, i: int, scans: ScanCache | None) -> str | None:
    """Step 10f: the context modifier that qualifies sentence i as a whole (a question, a
    hope, an animal study, a hedge, a patient's account; reported speech off a seller's
    page), or None. The model judges wording the rules have no pattern for;
    who is speaking and how sure they are is still the context's call, as for rules."""
    if scans is None:
        return None
    sentence = scans.get(i, page.sentences[i].text)
    vetoes = MODEL_ONLY_VETO
    if page.facts is None or page.facts.page_type != "commercial":
        vetoes = (*vetoes, "REPORTED")
    found = next((hit for c in vetoes if (hit := has_category(sentence, c))), None)
    return found or _testimony(sentence)


def _testimony(sentence: SentenceScan) -> str | None:
    """The phrase of a testimony modifier (a patient's account, first or third person) in a
    scanned sentence, or None."""
    return next(
        (phrase for mod, _span, phrase in sentence.hits if mod.id.startswith(TESTIMONY_PREFIX)),
        None,
    )


def _model_finding(rule: Rule, page: Page, lex: CompiledLexicon, i: int, p: float) -> Finding:
    inter, cond, _, inferred = resolve_subject(page, lex, i)
    main = page.facts.main_intervention if page.facts else None
    if inter and main and lex.terms[inter].kind == "standard_care":
        # 'Patients cut insulin by up to 80%': standard care is what the claim is about
        # reducing; the claim is made for the page's own treatment.
        inter, inferred = main, True
    evidence = replace(lookup(lex, inter, cond), intervention_inferred=inferred)
    text = page.sentences[i].text
    finding = build_finding(
        rule, page, lex, i, 0, len(text), evidence=evidence, trigger=text[:60], pattern_id="model"
    )
    return replace(finding, engine="model", model_label="overclaim", model_probability=round(p, 4))
