"""Load lexicon directories strictly: YAML -> JSON Schema -> compiled regexes -> frozen dataclasses.

A problem is a LexiconError naming the file, the YAML path and what is wrong, at load time,
so a bad rule never reaches a scan.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import regex
import yaml

from claimcheck.errors import LexiconError
from claimcheck.lexicon.types import (
    ANY_CONDITION,
    EVIDENCE_LEVELS,
    FLAGS,
    Allowance,
    EvidenceRow,
    Example,
    Grammar,
    Ground,
    Lexicon,
    Modifier,
    Pattern,
    Profile,
    Rule,
    Term,
)
from claimcheck.model import Severity
from claimcheck.yamlio import safe_load

SCHEMA_FILE = "lexicon.schema.json"


def builtin_dir() -> Path:
    """The lexicon directory shipped with the package (or the repository's, in a checkout)."""
    packaged = resources.files("claimcheck").joinpath("lexicons")
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / "lexicons"


@functools.cache
def _schema() -> dict[str, Any]:
    return json.loads((builtin_dir() / "schemas" / SCHEMA_FILE).read_text(encoding="utf-8"))


def _yaml_path(error: jsonschema.ValidationError) -> str:
    parts = [f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path]
    return "$" + "".join(parts)


def _validate(doc: Any, path: Path) -> str:
    if not isinstance(doc, dict) or "kind" not in doc:
        raise LexiconError(f"{path}: expected a mapping with a top-level 'kind' key")
    kind = doc["kind"]
    schema = _schema()
    if kind not in schema["$defs"] or kind in {"pattern", "patterns", "rule", "term"}:
        raise LexiconError(f"{path}: unknown kind {kind!r}")
    validator = jsonschema.Draft202012Validator({"$ref": f"#/$defs/{kind}", **schema})
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        message = err.message
        if err.validator == "additionalProperties":
            allowed = sorted(err.schema.get("properties", {}))
            message += f" (allowed keys: {', '.join(allowed)})"
        raise LexiconError(f"{path}: {_yaml_path(err)}: {message}")
    return kind


def _check_regex(text: str, where: str) -> None:
    try:
        regex.compile(text, FLAGS)
    except regex.error as exc:
        raise LexiconError(f"{where}: invalid regular expression {text!r}: {exc}") from None


def _patterns(items: Iterable[dict[str, Any]], where: str) -> tuple[Pattern, ...]:
    out = []
    for i, item in enumerate(items):
        _check_regex(item["regex"], f"{where}[{i}] ({item['id']})")
        out.append(Pattern(**item))
    return tuple(out)


def _example(item: str | dict[str, Any]) -> Example:
    if isinstance(item, str):
        return Example(text=item)
    return Example(
        text=item["text"],
        jurisdiction=tuple(item.get("jurisdiction", ())),
        page_type=item.get("page_type"),
        format=item.get("format", "text"),
    )


def _localized(value: str | dict[str, str]) -> dict[str, str]:
    """A text in both languages ({en: ..., es: ...}); a plain string (older user lexicons)
    is English. Folded YAML leaves line breaks and double spaces: they are collapsed."""
    texts = {"en": value} if isinstance(value, str) else value
    return {lang: " ".join(text.split()) for lang, text in texts.items()}


def _grammar(item: dict[str, Any] | None) -> Grammar:
    """A term's agreement data: `{en: {number}, es: {gender, number, article}}`."""
    item = item or {}
    en, es = item.get("en", {}), item.get("es", {})
    return Grammar(
        number=en.get("number", "sg"),
        gender_es=es.get("gender", "m"),
        number_es=es.get("number", "sg"),
        article_es=es.get("article", ""),
    )


def _grounds(doc: dict[str, Any], where: str) -> dict[str, tuple[Ground, ...]]:
    """Each rule's grounds from a grounds file, instruments resolved by id."""
    instruments = doc["instruments"]
    out: dict[str, tuple[Ground, ...]] = {}
    for code, by_jurisdiction in doc["rules"].items():
        grounds = []
        for jurisdiction, items in by_jurisdiction.items():
            for item in items:
                ref = item["instrument"]
                if ref not in instruments:
                    raise LexiconError(f"{where}: $.rules.{code}: unknown instrument {ref!r}")
                inst = instruments[ref]
                grounds.append(
                    Ground(
                        jurisdiction=jurisdiction,
                        instrument=inst["name"],
                        article=item.get("article", ""),
                        url=item.get("url", inst["url"]),
                        confidence=item["confidence"],
                        kind=inst["kind"],
                    )
                )
        out[code] = tuple(grounds)
    return out


def _rule(item: dict[str, Any], where: str) -> Rule:
    params = item.get("params", {})
    for key, value in params.items():
        if isinstance(value, list) and value and isinstance(value[0], dict) and "regex" in value[0]:
            _patterns(value, f"{where}.params.{key}")
    return Rule(
        code=item["code"],
        name=item["name"],
        family=item["family"],
        severity=Severity.parse(item["severity"]),
        check=item["check"],
        message=_localized(item["message"]),
        rationale=_localized(item["rationale"]),
        citation=" ".join(item.get("citation", "").split()),
        suggestion=dict(item.get("suggestion", {})),
        jurisdictions=tuple(item.get("jurisdictions", ["all"])),
        page_types=tuple(item.get("page_types", ["commercial", "editorial", "unknown"])),
        patterns=_patterns(item.get("patterns", ()), f"{where}.patterns"),
        requires=tuple(item.get("requires", ())),
        strength=item.get("strength"),
        params=params,
        examples_flag=tuple(_example(e) for e in item["examples"]["flag"]),
        examples_pass=tuple(_example(e) for e in item["examples"]["pass"]),
        source=where,
        status=item.get("status", "active"),
        replaced_by=item.get("replaced_by"),
    )


def _term(item: dict[str, Any], where: str, default_kind: str) -> Term:
    return Term(
        id=item["id"],
        label=item["label"],
        kind=item.get("kind", default_kind),
        parent=item.get("parent"),
        patterns=_patterns(item["patterns"], f"{where}.patterns"),
        default_level=item.get("default_level"),
        label_es=item.get("label_es"),
        grammar=_grammar(item.get("grammar")),
    )


class _Builder:
    """Accumulates files from several directories; later directories override earlier ones."""

    def __init__(self) -> None:
        self.version = "0"
        self.rules: dict[str, Rule] = {}
        self.modifiers: dict[str, Modifier] = {}
        self.interventions: dict[str, Term] = {}
        self.conditions: dict[str, Term] = {}
        self.anaphora: dict[str, Pattern] = {}
        self.evidence: dict[tuple[str, str], EvidenceRow] = {}
        self.profiles: dict[str, Profile] = {}
        self.page_cues: dict[str, tuple[Pattern, ...]] = {}
        self.qualifiers: dict[str, Pattern] = {}
        self.grounds: dict[str, tuple[Ground, ...]] = {}
        self.sources: list[str] = []

    def add_file(self, path: Path) -> None:
        try:
            doc = safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "?"
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise LexiconError(f"{path}: YAML syntax error at {where}: {problem}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise LexiconError(f"{path}: cannot read: {exc}") from None
        kind = _validate(doc, path)
        getattr(self, f"_add_{kind}")(doc, str(path))
        self.sources.append(str(path))

    def _add_manifest(self, doc: dict[str, Any], where: str) -> None:
        self.version = doc["version"]

    def _add_rules(self, doc: dict[str, Any], where: str) -> None:
        for i, item in enumerate(doc["rules"]):
            self.rules[item["code"]] = _rule(item, f"{where}: $.rules[{i}] ({item['code']})")

    def _add_grounds(self, doc: dict[str, Any], where: str) -> None:
        self.grounds.update(_grounds(doc, where))

    def _add_context(self, doc: dict[str, Any], where: str) -> None:
        for i, item in enumerate(doc["modifiers"]):
            _check_regex(item["regex"], f"{where}: $.modifiers[{i}] ({item['id']})")
            self.modifiers[item["id"]] = Modifier(lang=doc["lang"], **item)

    def _add_interventions(self, doc: dict[str, Any], where: str) -> None:
        for i, item in enumerate(doc["interventions"]):
            term = _term(item, f"{where}: $.interventions[{i}]", "investigational")
            self.interventions[term.id] = term
        for pattern in _patterns(doc.get("anaphora", ()), f"{where}: $.anaphora"):
            self.anaphora[pattern.id] = pattern

    def _add_conditions(self, doc: dict[str, Any], where: str) -> None:
        for i, item in enumerate(doc["conditions"]):
            term = _term(item, f"{where}: $.conditions[{i}]", "condition")
            self.conditions[term.id] = term

    def _add_evidence(self, doc: dict[str, Any], where: str) -> None:
        for item in doc["evidence"]:
            allows = tuple(
                Allowance(a) if isinstance(a, str) else Allowance(**a)
                for a in item.get("allows", ())
            )
            citation = _localized(item["citation"])
            row = EvidenceRow(
                **{**item, "allows": allows, "citation": citation["en"]},
                citation_es=citation.get("es", ""),
            )
            self.evidence[(row.intervention, row.condition)] = row
        for pattern in _patterns(doc.get("qualifiers", ()), f"{where}: $.qualifiers"):
            self.qualifiers[pattern.id] = pattern

    def _add_jurisdiction(self, doc: dict[str, Any], where: str) -> None:
        self.profiles[doc["code"]] = Profile(
            code=doc["code"],
            name=doc["name"],
            strong_cues=_patterns(doc["strong_cues"], f"{where}: $.strong_cues"),
            weak_cues=_patterns(doc.get("weak_cues", ()), f"{where}: $.weak_cues"),
            rules=tuple(doc["rules"]),
        )

    def _add_page_types(self, doc: dict[str, Any], where: str) -> None:
        for name, items in doc["cues"].items():
            self.page_cues[name] = _patterns(items, f"{where}: $.cues.{name}")

    def build(self) -> Lexicon:
        self._check_references()
        return Lexicon(
            version=self.version,
            rules=tuple(sorted(self._rules_with_grounds(), key=lambda r: r.code)),
            modifiers=tuple(self.modifiers.values()),
            interventions=tuple(self.interventions.values()),
            conditions=tuple(self.conditions.values()),
            anaphora=tuple(self.anaphora.values()),
            evidence=tuple(self.evidence.values()),
            profiles=tuple(self.profiles.values()),
            page_cues=dict(self.page_cues),
            sources=tuple(self.sources),
            evidence_qualifiers=tuple(self.qualifiers.values()),
        )

    def _rules_with_grounds(self) -> list[Rule]:
        """Each rule with its grounds from the grounds files (a later file's entry for a
        code replaces an earlier one)."""
        grounds = self.grounds
        return [replace(r, grounds=grounds.get(r.code, r.grounds)) for r in self.rules.values()]

    def _check_references(self) -> None:
        for (inter, cond), row in self.evidence.items():
            if inter not in self.interventions:
                raise LexiconError(f"evidence row {inter} x {cond}: unknown intervention {inter!r}")
            if cond != ANY_CONDITION and cond not in self.conditions:
                raise LexiconError(f"evidence row {inter} x {cond}: unknown condition {cond!r}")
            assert row.level in EVIDENCE_LEVELS
            for allowance in row.allows:
                if allowance.rule not in self.rules:
                    raise LexiconError(
                        f"evidence row {inter} x {cond}: allows unknown rule {allowance.rule}"
                    )
        for terms in (self.interventions, self.conditions):
            for term in terms.values():
                if term.parent and term.parent not in terms:
                    raise LexiconError(f"term {term.id}: unknown parent {term.parent!r}")
        for code in self.grounds:
            if code not in self.rules:
                raise LexiconError(f"grounds: unknown rule {code}")
        for profile in self.profiles.values():
            for code in profile.rules:
                if code not in self.rules:
                    raise LexiconError(f"jurisdiction {profile.code}: unknown rule {code}")


def yaml_files(directory: Path) -> list[Path]:
    """All YAML files below a lexicon directory, in a stable order."""
    if not directory.is_dir():
        raise LexiconError(f"{directory}: not a lexicon directory")
    return sorted(p for p in directory.rglob("*.y*ml") if p.suffix in {".yaml", ".yml"})


def load_lexicon(extra_dirs: Sequence[str | Path] = (), *, builtin: bool = True) -> Lexicon:
    """Load the built-in lexicon and merge user directories over it (same code/id replaces)."""
    builder = _Builder()
    dirs = ([builtin_dir()] if builtin else []) + [Path(d) for d in extra_dirs]
    for directory in dirs:
        for path in yaml_files(directory):
            builder.add_file(path)
    return builder.build()


@functools.cache
def default_lexicon() -> Lexicon:
    """The built-in lexicon, loaded once per process."""
    return load_lexicon()


def lexicon_for(lexicons: Sequence[str | Path] | None) -> Lexicon:
    """The lexicon a configuration names: its `lexicons` directory, or the built-in one."""
    return load_lexicon(lexicons) if lexicons else default_lexicon()
