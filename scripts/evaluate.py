#!/usr/bin/env python3
"""Run a labelled TSV (``intent<TAB>message``) through the matcher and print how well it does.

Prints accuracy per intent, the confusion matrix, the out-of-scope false-positive rate and every miss,
and beside them the figures of an afternoon baseline (TF-IDF over character n-grams + logistic
regression, trained on the same intent examples) so we know by how much we beat it.

    .venv/bin/python scripts/evaluate.py tests/data/heldout.tsv
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.core.content.models import CONTRACT_INTENTS, NONE_INTENT  # noqa: E402
from app.core.engine import Engine, build_engine  # noqa: E402
from app.settings import Settings  # noqa: E402

NONE = "none"  # the label of out-of-scope lines in the TSV


@dataclass
class Report:
    name: str
    gold: list[str]
    pred: list[str]
    rules: list[str]

    def core_accuracy(self) -> float:
        pairs = [(g, p) for g, p in zip(self.gold, self.pred, strict=False) if g in CONTRACT_INTENTS]
        return sum(g == p for g, p in pairs) / max(len(pairs), 1)

    def overall_accuracy(self) -> float:
        return sum(g == p for g, p in zip(self.gold, self.pred, strict=False)) / max(len(self.gold), 1)

    def oos_false_positive(self, core_only: bool = True) -> float:
        preds = [p for g, p in zip(self.gold, self.pred, strict=False) if g == NONE]
        bad = [p for p in preds if (p in CONTRACT_INTENTS if core_only else p != NONE)]
        return len(bad) / max(len(preds), 1)


def read_tsv(path: Path) -> list[tuple[str, str]]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        label, sep, message = line.partition("\t")
        if not sep or not message.strip():
            raise SystemExit(f"{path}:{n}: expected 'intent<TAB>message'")
        rows.append((label.strip(), message))
    return rows


def run_matcher(engine: Engine, rows: list[tuple[str, str]], progress: bool) -> tuple[Report, list[float]]:
    from tqdm import tqdm

    pred, rules, times = [], [], []
    for _, message in tqdm(rows, desc="matching", unit="msg", disable=not progress, file=sys.stderr):
        t0 = time.perf_counter()
        m = engine.match(message)
        times.append(time.perf_counter() - t0)
        best = m.best
        pred.append(best.intent if best else NONE)
        why = best or m.runner_up
        rules.append(f"{m.status.value}; {why.intent} {why.score:.2f} via {why.rule}" if why else m.status.value)
    return Report("matcher", [g for g, _ in rows], pred, rules), times


def run_baseline(engine: Engine, rows: list[tuple[str, str]]) -> Report | None:
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
    pred = list(model.predict([engine.normalizer(m) for _, m in rows]))
    return Report("baseline tf-idf+logreg", [g for g, _ in rows], pred, [""] * len(rows))


def print_report(r: Report, labels: list[str], show_misses: bool, rows: list[tuple[str, str]]) -> None:
    print(f"\n=== {r.name} ===")
    print(f"top-1 accuracy, eight contract intents: {r.core_accuracy():.1%}")
    print(f"top-1 accuracy, all lines:              {r.overall_accuracy():.1%}")
    print(
        f"out-of-scope lines given one of the eight: {r.oos_false_positive():.1%}"
        f"   (given any intent: {r.oos_false_positive(core_only=False):.1%})"
    )
    per: dict[str, Counter] = defaultdict(Counter)
    for g, p in zip(r.gold, r.pred, strict=False):
        per[g]["n"] += 1
        per[g]["ok"] += g == p
    print(f"\n{'intent':<18}{'n':>5}{'correct':>9}{'accuracy':>10}")
    for label in labels:
        if per[label]["n"]:
            print(f"{label:<18}{per[label]['n']:>5}{per[label]['ok']:>9}{per[label]['ok'] / per[label]['n']:>10.1%}")
    print("\nconfusion (rows: gold, columns: predicted)")
    short = [lab[:6] for lab in labels]
    print(" " * 18 + "".join(f"{s:>7}" for s in short))
    confusion = Counter(zip(r.gold, r.pred, strict=False))
    for g in labels:
        if per[g]["n"]:
            print(f"{g:<18}" + "".join(f"{confusion[(g, p)] or '.':>7}" for p in labels))
    if show_misses:
        misses = [(g, p, msg, why) for (g, msg), p, why in zip(rows, r.pred, r.rules, strict=False) if g != p]
        print(f"\nmisses ({len(misses)}):")
        for g, p, msg, why in misses:
            print(f"  {g:>16} → {p:<16} {msg}" + (f"   [{why}]" if why else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tsv", type=Path)
    parser.add_argument(
        "--content", type=Path, default=Settings().content_dir, help="folder with intents/ and phrasebook/"
    )
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--no-misses", action="store_true")
    args = parser.parse_args(argv)
    rows = read_tsv(args.tsv)
    engine = build_engine(args.content, Settings().cache_dir)
    labels = [*CONTRACT_INTENTS, *sorted({i.id for i in engine.catalog.public_intents} - set(CONTRACT_INTENTS)), NONE]
    unknown = {g for g, _ in rows} - set(labels)
    if unknown:
        raise SystemExit(f"unknown labels in {args.tsv}: {', '.join(sorted(unknown))}")
    report, times = run_matcher(engine, rows, progress=sys.stderr.isatty() and len(rows) > 200)
    print(f"{args.tsv}: {len(rows)} messages, phrasebook {engine.version}")
    print_report(report, labels, not args.no_misses, rows)
    times.sort()
    print(
        f"\nmatching latency: mean {sum(times) / len(times) * 1e6:.0f} µs, "
        f"p50 {times[len(times) // 2] * 1e6:.0f} µs, p99 {times[int(len(times) * 0.99)] * 1e6:.0f} µs"
    )
    if not args.no_baseline:
        baseline = run_baseline(engine, rows)
        if baseline:
            print_report(baseline, labels, False, rows)
            print(
                f"\nmatcher vs baseline (eight intents): {report.core_accuracy():.1%} vs {baseline.core_accuracy():.1%};"
                f" out-of-scope → one of the eight: {report.oos_false_positive():.1%} vs {baseline.oos_false_positive():.1%}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
