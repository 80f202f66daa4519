"""The labelled data the evaluation reads: TSV sets written by us and the real turns of public logs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

NONE = "none"  # the label of a message that asks for nothing the service answers
EIGHT = (
    "damaged",
    "missing_item",
    "wrong_item",
    "delivery_chase",
    "address_change",
    "intercept",
    "lost_parcel",
    "seven_day_return",
)
UNSCORED = frozenset({"SKIP", "AGENT"})


@dataclass(frozen=True, slots=True)
class Item:
    """One buyer message with its gold label: what the buyer wants in that turn (``other`` counts as none)."""

    text: str
    label: str
    source: str  # file:line, or the corpus pointer
    alone: bool = True  # the label can be read from the message alone (else it needs the conversation)


@dataclass(frozen=True, slots=True)
class ReplayTurn:
    role: str  # buyer | agent
    text: str
    label: str | None = None  # buyer turns that were labelled: the meaning in context
    needs_context: bool = False


@dataclass(slots=True)
class Conversation:
    id: str
    turns: list[ReplayTurn] = field(default_factory=list)

    def first_intent(self, scored: Iterable[str]) -> str | None:
        """The conversation's first request with an intent: what the sidebar should show first."""
        known = set(scored)
        return next((t.label for t in self.turns if t.label in known), None)


def read_tsv(path: Path) -> list[Item]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        label, sep, message = line.partition("\t")
        if not sep or not message.strip():
            raise SystemExit(f"{path}:{n}: expected 'intent<TAB>message'")
        rows.append(Item(message, label.strip(), f"{path.name}:{n}"))
    return rows


def real_data(splits: tuple[str, ...]) -> tuple[list[Item], list[Conversation]]:
    """Labelled real turns of the given splits, alone and in their conversations (roles known)."""
    from scripts import realdata

    labels = {lab.key: lab for lab in realdata.read_labels() if lab.split in splits}
    items: list[Item] = []
    conversations: list[Conversation] = []
    for session in realdata.load_sessions():
        if session.split not in splits:
            continue
        conv = Conversation(f"{session.corpus}/{session.id}")
        for turn in session.turns:
            lab = labels.get(turn.key)
            text = realdata.readable(turn.text) if session.corpus == "taobao-ecd" else turn.text.strip()
            role = "agent" if turn.role == "agent" or (lab is not None and lab.label == "AGENT") else "buyer"
            if lab is None and turn.role == "unknown":
                continue  # a window part nobody labelled: its author is not known
            if lab is not None and lab.label not in UNSCORED:
                gold = NONE if lab.label == "other" else lab.label
                items.append(Item(text, gold, f"{turn.path}:{turn.line}#{turn.index}", not lab.needs_context))
            label = None if lab is None or lab.label in UNSCORED else lab.label
            conv.turns.append(ReplayTurn(role, text, label, bool(lab and lab.needs_context)))
        if any(t.label is not None for t in conv.turns):
            conversations.append(conv)
    return items, conversations
