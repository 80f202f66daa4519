"""The engine: message (+ what is known) in, intents, scripts, evidence, actions and entities out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from app.core.content.loader import load_catalog
from app.core.content.models import Branch, Catalog
from app.core.entities import Entities, extract
from app.core.matcher import Match, Matcher, MatcherConfig
from app.core.normalize import Normalizer
from app.core.playbook import Context, Playbook
from app.core.tokenize import Tokenizer


@dataclass(frozen=True, slots=True)
class Named:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class NextStep:
    script_id: str
    name: str
    when: dict[str, object]


@dataclass(frozen=True, slots=True)
class ScriptSuggestion:
    intent: str
    script_id: str
    name: str
    text: str
    missing_placeholders: tuple[str, ...]
    evidence: tuple[Named, ...]
    actions: tuple[Named, ...]
    next: tuple[NextStep, ...]
    source: str  # file:line of the branch
    seed: str  # where in the seed documents the branch comes from


@dataclass(frozen=True, slots=True)
class Suggestion:
    match: Match
    scripts: tuple[ScriptSuggestion, ...]
    entities: Entities
    phrasebook_version: str


class Engine:
    """Immutable once built; a reload builds a new Engine beside the old one and swaps the reference."""

    def __init__(self, catalog: Catalog, normalizer: Normalizer, tokenizer: Tokenizer,
                 config: MatcherConfig | None = None) -> None:
        self.catalog = catalog
        self.normalizer = normalizer
        self.matcher = Matcher(catalog, normalizer, tokenizer, config)
        self.playbook = Playbook(catalog)

    @property
    def version(self) -> str:
        return self.catalog.version

    def match(self, message: str) -> Match:
        return self.matcher.match(message)

    def suggest(self, message: str, context: Context | None = None, today: date | None = None) -> Suggestion:
        ctx = context or Context()
        match = self.matcher.match(message)
        entities = extract(match.normalized, today or date.today())
        values = {**_values_from(entities), **ctx.values}
        scripts = []
        for scored in match.intents:
            flow = self.playbook.flow(scored.intent)
            if flow is None:
                continue
            branch = self.playbook.select(flow, ctx, match.normalized)
            scripts.append(self._script(flow.intent, branch, values))
        return Suggestion(match, tuple(scripts), entities, self.catalog.version)

    def _script(self, intent: str, branch: Branch, values: dict[str, str]) -> ScriptSuggestion:
        vocab = self.catalog.vocabulary
        rendered = self.playbook.render(branch, values)
        flow = self.catalog.flows[intent]
        steps = []
        for target in branch.next:
            nxt = flow.branch(target)
            if nxt is not None:
                steps.append(NextStep(nxt.script_id, nxt.name, describe_conditions(nxt)))
        return ScriptSuggestion(
            intent=intent, script_id=branch.script_id, name=branch.name, text=rendered.text,
            missing_placeholders=rendered.missing,
            evidence=tuple(Named(e, vocab.evidence.get(e, e)) for e in branch.evidence),
            actions=tuple(Named(a, vocab.actions.get(a, a)) for a in branch.actions),
            next=tuple(steps), source=str(branch.source), seed=branch.source_note,
        )


def describe_conditions(branch: Branch) -> dict[str, object]:
    w = branch.when
    out: dict[str, object] = {}
    if w.order_status:
        out["order_status"] = sorted(w.order_status)
    if w.signed_by:
        out["signed_by"] = sorted(w.signed_by)
    if w.message_has:
        out["message_has"] = list(w.message_has)
    if w.evidence_received:
        out["evidence_received"] = sorted(w.evidence_received)
    if w.assessment:
        out["assessment"] = w.assessment
    return out


def _values_from(entities: Entities) -> dict[str, str]:
    values: dict[str, str] = {}
    if entities.tracking_numbers:
        first = entities.tracking_numbers[0]
        values["tracking_no"] = first["value"]
        if first["courier_name"] and first["confidence"] == "high":
            values["courier"] = first["courier_name"]
    if entities.order_numbers:
        values["order_no"] = entities.order_numbers[0]["value"]
    if entities.amounts:
        values["amount"] = entities.amounts[0]["value"].removesuffix(".00")
    return values


def build_engine(content_root: Path, cache_dir: Path | None = None, config: MatcherConfig | None = None,
                 normalizer: Normalizer | None = None) -> Engine:
    """Load and validate the content, then build the tokenizer and indexes. Raises ContentInvalid."""
    normalizer = normalizer or Normalizer()
    catalog = load_catalog(content_root, normalizer)
    words = {k.text for i in catalog.intents.values() for k in i.keywords}
    tokenizer = Tokenizer(words, cache_dir)
    return Engine(catalog, normalizer, tokenizer, config)
