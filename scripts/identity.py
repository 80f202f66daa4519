#!/usr/bin/env python3
"""The engine's answers, dumped line by line, so an optimisation can be shown to change none of them.

For every message of tests/data/heldout.tsv (read alone, both phases) and, with ``--real``, every labelled buyer
turn of the real train and dev splits replayed with its conversation as scripts/evaluate.py replays it (never
the test split): the status, the intents answered, their scores, the runner-up, the script ids and the rule
(file:line) that decided each. Floats are written to 9 decimals: a faster computation may differ below that.

    .venv/bin/python scripts/identity.py --out before.txt --real      # before a change
    .venv/bin/python scripts/identity.py --out after.txt --real       # after it; then: cmp before.txt after.txt
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.core.clock import SHOP_TZ  # noqa: E402
from app.core.conversation import Role, Turn  # noqa: E402
from app.core.engine import Engine, build_engine  # noqa: E402
from app.core.matcher import IntentScore  # noqa: E402
from app.settings import Settings  # noqa: E402
from scripts.evaluation.data import read_tsv  # noqa: E402
from scripts.evaluation.replay import CONTEXT_TURNS  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "tests" / "data" / "heldout.tsv"
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=SHOP_TZ)  # fixed: deadlines and dates in scripts depend on it


def _score(s: IntentScore | None) -> str:
    if s is None:
        return "-"
    return f"{s.intent}:{s.score:.9f}:{s.logit:.9f}:{s.similarity:.9f}:{s.rule}"


def answer(engine: Engine, message: str, context: Sequence[Turn] = ()) -> str:
    """One line: what the service decides and shows for a message read with its context."""
    triage = engine.triage(message, context=context)
    suggestion = engine.advise(triage, now=NOW)
    m = triage.match
    return "\t".join(
        (
            m.status.value,
            triage.reading.read_as.value if triage.reading else "-",
            ",".join(triage.intents),
            ";".join(_score(s) for s in m.intents),
            _score(m.runner_up),
            ";".join(_score(s) for s in m.ranking),
            ",".join(s.script_id for s in suggestion.scripts),
            triage.question.text if triage.question else "-",
        )
    )


def lines(engine: Engine, heldout: Path, real: bool) -> Iterator[str]:
    for item in read_tsv(heldout):
        yield f"{item.source}\t{answer(engine, item.text)}"
    if not real:
        return
    from scripts.evaluation.data import real_data

    _, conversations = real_data(("train", "dev"))
    for conv in conversations:
        for i, turn in enumerate(conv.turns):
            if turn.role != "buyer" or turn.label is None:
                continue
            context = [Turn(Role(t.role), t.text) for t in conv.turns[max(0, i - CONTEXT_TURNS) : i]]
            yield f"{conv.id}#{i}\t{answer(engine, turn.text, context)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="file to write, one line per message")
    parser.add_argument("--heldout", type=Path, default=HELDOUT)
    parser.add_argument("--real", action="store_true", help="also the real train and dev conversations (.realdata)")
    parser.add_argument("--content", type=Path, default=Settings().content_dir)
    parser.add_argument("--cache-dir", type=Path, default=Settings().cache_dir, help="where parsed content is kept")
    args = parser.parse_args(argv)
    engine = build_engine(args.content, args.cache_dir)
    with args.out.open("w", encoding="utf-8") as out:
        n = 0
        for line in lines(engine, args.heldout, args.real):
            out.write(line + "\n")
            n += 1
    print(f"{n} answers written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
