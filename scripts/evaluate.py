#!/usr/bin/env python3
"""How well the service reads buyers: labelled TSV sets (``intent<TAB>message``) and the real turns of public
JD/Taobao logs (tests/data/real/labels.tsv, rebuilt by scripts/realdata.py), message by message and, for the
real data, whole conversations replayed turn by turn with their context.

Prints per-intent precision and recall, the confusion matrix, the out-of-scope rate and the misses, beside an
afternoon baseline (TF-IDF over character n-grams + logistic regression trained on the same intent examples),
and writes the same as an HTML page with charts.

    .venv/bin/python scripts/evaluate.py tests/data/heldout.tsv                 # a TSV set
    .venv/bin/python scripts/evaluate.py --real test --html report.html         # the real test split
    .venv/bin/python scripts/evaluate.py tests/data/heldout.tsv --real train,dev
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.core.content.models import NONE_INTENT  # noqa: E402
from app.core.conversation import Role, Turn  # noqa: E402
from app.core.engine import Engine, build_engine  # noqa: E402
from app.settings import Settings  # noqa: E402
from scripts.evaluation import html  # noqa: E402
from scripts.evaluation.data import EIGHT, NONE, Conversation, Item, ReplayTurn, read_tsv, real_data  # noqa: E402
from scripts.evaluation.metrics import Scores, pct  # noqa: E402
from scripts.evaluation.replay import Reader, SessionScores, Shown, replay  # noqa: E402

__all__ = ["NONE", "read_tsv"]
TARGETS = {"heldout": (0.95, 0.05), "real": (0.90, 0.08)}


def shown(engine: Engine, text: str, context: Sequence[ReplayTurn] = ()) -> Shown:
    """What the service shows for a message read with its context (the turns before it, oldest first): the
    intents it answers with scripts when it is sure, the candidates it asks about when it is not."""
    turns = [Turn(Role(t.role), t.text) for t in context]
    triage = engine.triage(text, context=turns)
    m = triage.match
    if triage.intents:
        return Shown("matched", triage.intents)
    return Shown(m.status.value, tuple(s.intent for s in m.intents))


def predict(engine: Engine, items: list[Item]) -> tuple[list[str], list[str], list[float]]:
    preds, why, times = [], [], []
    for item in items:
        t0 = time.perf_counter()
        s = shown(engine, item.text)
        times.append(time.perf_counter() - t0)
        preds.append(s.intents[0] if s.intents and s.intents[0] != NONE_INTENT else NONE)
        why.append(s.status)
    return preds, why, times


def baseline_model(engine: Engine) -> Any:
    """The afternoon baseline: TF-IDF over character 1-3-grams + logistic regression, trained on the same
    intent examples; it reads each message alone."""
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
    except ImportError:
        print("(baseline skipped: scikit-learn is not installed; it is a dev dependency)", file=sys.stderr)
        return None
    texts, labels = [], []
    for intent in engine.catalog.intents.values():
        for ex in intent.examples:
            texts.append(engine.normalizer(ex.text))
            labels.append(NONE if intent.id == NONE_INTENT else intent.id)
    model = make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True),
        LogisticRegression(max_iter=2000, C=10.0),
    )
    model.fit(texts, labels)
    return model


def baseline(engine: Engine, items: list[Item], model: Any) -> Scores | None:
    if model is None:
        return None
    pred = model.predict([engine.normalizer(i.text) for i in items])
    return Scores("baseline tf-idf+logreg", tuple(i.label for i in items), tuple(pred), tuple(i.alone for i in items))


def baseline_reader(engine: Engine, model: Any) -> Callable[[str, Sequence[ReplayTurn]], Shown]:
    def read(text: str, context: Sequence[ReplayTurn]) -> Shown:
        label = str(model.predict([engine.normalizer(text)])[0])
        return Shown("matched", (label,)) if label != NONE else Shown("no_match")

    return read


def print_scores(r: Scores, labels: list[str], misses: list[str] | None) -> None:
    print(f"\n=== {r.name} ===")
    print(f"top-1 accuracy, eight contract intents: {pct(r.core())}")
    print(f"top-1 accuracy, all lines:              {pct(r.overall())}")
    print(f"out-of-scope lines given one of the eight: {pct(r.out_of_scope())}")
    print(f"no-request lines given any intent:         {pct(r.none_given_any())}")
    print(f"\n{'intent':<20}{'n':>5}{'correct':>9}{'recall':>9}{'precision':>11}")
    for p in r.per_label(labels):
        if p.support:
            precision = f"{p.precision:.1%}" if p.precision is not None else "-"
            print(f"{p.label:<20}{p.support:>5}{p.correct:>9}{p.recall:>9.1%}{precision:>11}")
    print("\nconfusion (rows: gold, columns: predicted)")
    present = [lab for lab in labels if lab in r.gold or lab in r.pred]
    print(" " * 20 + "".join(f"{lab[:6]:>7}" for lab in present))
    confusion = r.confusion()
    for g in present:
        if g in r.gold:
            print(f"{g:<20}" + "".join(f"{confusion[(g, p)] or '.':>7}" for p in present))
    if misses is not None:
        print(f"\nmisses ({len(misses)}):")
        for line in misses:
            print(f"  {line}")


def print_sessions(s: SessionScores, show_misses: bool) -> None:
    print("\n--- whole conversations, replayed turn by turn with context ---")
    print(
        f"conversations with an intent: {s.sessions}; first intent shown is right: {pct((s.first_right, s.sessions))}"
    )
    print(f"  … whose first intent is one of the eight: {pct((s.first_right_eight, s.sessions_eight))}")
    print(f"  … where no intent was ever shown: {s.never_shown}")
    print(f"conversations with no intent: {s.quiet_sessions}; an intent shown anyway: {s.quiet_alarms}")
    print(f"turns that showed an intent: {s.shown_turns}; showing a wrong one: {pct((s.wrong_turns, s.shown_turns))}")
    print(f"labelled intent turns shown right with their context: {pct((s.labelled_right, s.labelled_turns))}")
    if show_misses:
        print(f"\nconversation misses ({len(s.misses)}):")
        for line in s.misses:
            print(f"  {line}")


def print_by_corpus(conversations: list[Conversation], read: Reader, scored: frozenset[str]) -> None:
    """The session figures per corpus. JDDC's baseline windows (``jddc-window``) are five consecutive
    utterances (Q/A/Q/A/Q) cut from a session, most of them from its middle: their "first intent" is often a
    turn that only the part of the session before the window explains. The other corpora hold whole sessions."""
    groups: dict[str, list[Conversation]] = {}
    for conv in conversations:
        groups.setdefault(conv.id.split("/")[0], []).append(conv)
    print("\nby corpus (whole sessions, except jddc-window: five-utterance windows, mostly from mid-session):")
    for corpus, convs in sorted(groups.items()):
        s = replay(convs, read, scored)
        print(
            f"  {corpus:<12} conversations with an intent {s.sessions:>5}; first intent shown right "
            f"{pct((s.first_right, s.sessions))}; turns showing a wrong one {pct((s.wrong_turns, s.shown_turns))}"
        )


def evaluate(
    engine: Engine,
    name: str,
    items: list[Item],
    labels: list[str],
    args: argparse.Namespace,
    kind: str,
    model: Any = None,
) -> html.Section:
    preds, status, times = predict(engine, items)
    alone = tuple(i.alone for i in items)
    scores = Scores(f"matcher: {name}", tuple(i.label for i in items), tuple(preds), alone)
    misses = [
        f"{i.label:>20} → {p:<20} {i.text[:60]}   [{st}; {i.source}]"
        for i, p, st in zip(items, preds, status, strict=True)
        if i.label != p and (i.alone or i.label not in EIGHT)
    ]
    print(f"\n{name}: {len(items)} messages, phrasebook {engine.version}")
    print_scores(scores, labels, None if args.no_misses else misses)
    # What an agent is shown: only a match comes with a script; an unsure answer shows a question instead.
    acted = Scores(
        "shown", scores.gold, tuple(p if st == "matched" else NONE for p, st in zip(preds, status, strict=True)), alone
    )
    print(
        f"\nshown with a script (matched only): eight contract intents {pct(acted.core())}; "
        f"out-of-scope lines shown one of the eight {pct(acted.out_of_scope())}; "
        f"asked instead (ambiguous) {pct((sum(st == 'ambiguous' for st in status), len(status)))}"
    )
    times.sort()
    print(
        f"\nmatching latency: mean {sum(times) / len(times) * 1e6:.0f} µs, "
        f"p50 {times[len(times) // 2] * 1e6:.0f} µs, p99 {times[int(len(times) * 0.99)] * 1e6:.0f} µs"
    )
    base = None if args.no_baseline else baseline(engine, items, model)
    if base is not None:
        print_scores(base, labels, None)
        print(
            f"\nmatcher vs baseline (eight intents): {pct(scores.core())} vs {pct(base.core())}; "
            f"out-of-scope → one of the eight: {pct(scores.out_of_scope())} vs {pct(base.out_of_scope())}"
        )
    return html.Section(name, scores, base, labels, targets=TARGETS[kind])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tsv", type=Path, nargs="*", help="labelled TSV sets (intent<TAB>message)")
    parser.add_argument("--real", metavar="SPLITS", help="real data splits, comma-separated: train,dev,test")
    parser.add_argument("--html", type=Path, help="also write the report as an HTML page with charts")
    parser.add_argument("--content", type=Path, default=Settings().content_dir, help="folder with intents/ …")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--no-misses", action="store_true")
    args = parser.parse_args(argv)
    if not args.tsv and not args.real:
        parser.error("give a TSV set, --real SPLITS, or both")
    engine = build_engine(args.content, Settings().cache_dir)
    public = sorted({i.id for i in engine.catalog.public_intents} - set(EIGHT))
    labels = [*EIGHT, *public, NONE]
    model = None if args.no_baseline else baseline_model(engine)
    sections = []
    for path in args.tsv:
        items = read_tsv(path)
        unknown = {i.label for i in items} - set(labels)
        if unknown:
            raise SystemExit(f"unknown labels in {path}: {', '.join(sorted(unknown))}")
        sections.append(evaluate(engine, str(path), items, labels, args, "heldout", model))
    if args.real:
        splits = tuple(s.strip() for s in args.real.split(","))
        items, conversations = real_data(splits)
        section = evaluate(engine, f"real {'+'.join(splits)}", items, labels, args, "real", model)
        scored = frozenset(public) | set(EIGHT)
        sessions = replay(conversations, lambda text, ctx: shown(engine, text, ctx), scored)
        print_sessions(sessions, not args.no_misses)
        print_by_corpus(conversations, lambda text, ctx: shown(engine, text, ctx), scored)
        if model is not None:
            base = replay(conversations, baseline_reader(engine, model), scored)
            print(
                f"baseline (each message alone): first intent shown is right {pct((base.first_right, base.sessions))};"
                f" turns showing a wrong one {pct((base.wrong_turns, base.shown_turns))}"
            )
        sections.append(
            html.Section(section.title, section.scores, section.baseline, labels, sessions, section.targets)
        )
    if args.html:
        note = f"phrasebook {engine.version}; generated by scripts/evaluate.py"
        args.html.write_text(html.page("售后助手 evaluation", sections, note), encoding="utf-8")
        print(f"\nHTML report: {args.html}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
