#!/usr/bin/env python3
"""Real buyer messages from public JD/Taobao customer-service logs: rebuild them, check the labels, sample.

The corpora are research data, so the repository keeps only labels and pointers (tests/data/real/labels.tsv, see
docs/labelling.md); this script brings the texts back from the public repositories into the ignored folder
`.realdata/`, verifies every label's sha1 and fails loudly when a file or a message is missing.

    .venv/bin/python scripts/realdata.py rebuild [--mirror DIR]   # clone (or read local mirrors), write .realdata/
    .venv/bin/python scripts/realdata.py check                    # every label points at its text, none is reserved
    .venv/bin/python scripts/realdata.py stats                    # labels per split and label

Lines listed in the reserved list (../shared/real-data/exclude.tsv, copied as tests/data/real/reserved.txt) are kept
for an independent evaluation: they are never read into `.realdata/`, and neither is any other message whose
text is the same as a reserved one (the corpora overlap: JDDC's dev CSV repeats dev_question.txt, ECD's valid
file is its train file), nor any session that holds one.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / ".realdata"
LABELS = ROOT / "tests" / "data" / "real" / "labels.tsv"
RESERVED = ROOT / "tests" / "data" / "real" / "reserved.txt"
SHARED_RESERVED = ROOT.parent / "shared" / "real-data" / "exclude.tsv"
LABEL_FIELDS = ("repository", "path", "line", "index", "sha1", "session", "split", "label", "needs_context")
SPLITS = (("train", 0.6), ("dev", 0.8), ("test", 1.0))
MIN_RESERVED_TEXT = 6  # shorter texts (好的, 在吗 …) recur everywhere; only longer ones identify a message

JDDC = ("EndlessLethe/jddc2019-3th-retrieve-model", "2d443d1679cc3d00022d0ff1697eb0e4cbeedb01")
SEQ2SEQ = ("SimonJYang/JDDC-Baseline-Seq2Seq", "cbc12bdadd91277b09f0455b9f5c57e5b8c13462")
CSVS = ("yangyuxiang1996/Chinese-Dialogue-System", "5c8dce282c8fff65efd28360ac70eff3367c8fbd")
ECD = ("cooelf/DeepUtteranceAggregation", "f2e15d6600ccda0db32eee98b2ca67c322071964")


@dataclass(frozen=True, slots=True)
class Turn:
    role: str  # buyer | agent | unknown (a train.enc window does not say who wrote which part)
    text: str  # exactly as cut from the file: the sha1 is taken over this
    repository: str
    path: str
    line: int
    index: int

    @property
    def sha1(self) -> str:
        return sha1(self.text)

    @property
    def key(self) -> tuple[str, str, int, int]:
        return (self.repository, self.path, self.line, self.index)


@dataclass(slots=True)
class Session:
    corpus: str
    id: str
    turns: list[Turn] = field(default_factory=list)

    @property
    def split(self) -> str:
        return split_of(self.corpus, self.id)


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def split_of(corpus: str, session: str) -> str:
    """A whole session lands in one split, by a hash: nobody chooses which messages are test."""
    x = int(hashlib.sha1(f"{corpus}|{session}".encode()).hexdigest()[:8], 16) / 2**32
    return next(name for name, upper in SPLITS if x < upper)


def readable(text: str) -> str:
    """ECD is word-segmented with spaces ("快递 发 哪家"); buyers type no spaces between Chinese words."""
    return re.sub(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s+(?=[\u3000-\u9fff\uff00-\uffef])", "", text).strip()


# ---- the sources -------------------------------------------------------------------------------------------


class Sources:
    """File bytes at a pinned commit: from a local mirror when given, else a clone in .realdata/repos/."""

    def __init__(self, mirror: Path | None) -> None:
        self.mirror = mirror

    def _git_dir(self, repository: str) -> Path:
        name = repository.replace("/", "+")
        if self.mirror is not None:
            for candidate in (self.mirror / name / "repo" / ".git", self.mirror / name / "repo", self.mirror / name):
                if (candidate / "HEAD").exists():
                    return candidate
            raise SystemExit(f"{repository}: not found under the mirror folder {self.mirror}")
        target = OUT / "repos" / name
        if not (target / "HEAD").exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            url = f"https://github.com/{repository}.git"
            print(f"cloning {url} …", file=sys.stderr)
            done = subprocess.run(["git", "clone", "--quiet", "--bare", url, str(target)], check=False)
            if done.returncode != 0:
                raise SystemExit(f"{repository}: could not clone {url} (no network? give --mirror DIR)")
        return target

    def read(self, repository: str, commit: str, path: str) -> str:
        done = subprocess.run(
            ["git", f"--git-dir={self._git_dir(repository)}", "show", f"{commit}:{path}"],
            capture_output=True,
            check=False,
        )
        if done.returncode != 0 or not done.stdout:
            raise SystemExit(f"{repository}@{commit[:10]}:{path}: missing ({done.stderr.decode().strip()})")
        return done.stdout.decode("utf-8")


def reserved_lines() -> dict[tuple[str, str], set[int]]:
    """(repository, path) → reserved line numbers, from the shared list when present, else the committed copy."""
    out: dict[tuple[str, str], set[int]] = defaultdict(set)
    if SHARED_RESERVED.exists():
        with SHARED_RESERVED.open(encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                out[(row["repository"], row["path"])].add(int(row["line"]))
        return out
    for raw in RESERVED.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        repository, path, spans = raw.split("\t")
        for span in spans.split(","):
            a, _, b = span.partition("-")
            out[(repository, path)].update(range(int(a), int(b or a) + 1))
    return out


def write_reserved_copy() -> None:
    """The reserved list as line ranges (pointers only, no text): CI has no ../shared but must check labels."""
    lines = ["# Reserved lines of the real corpora (../shared/real-data/exclude.tsv as ranges): never label them."]
    for (repository, path), numbers in sorted(reserved_lines().items()):
        spans, ordered = [], sorted(numbers)
        start = prev = ordered[0]
        for n in ordered[1:] + [None]:
            if n is not None and n == prev + 1:
                prev = n
                continue
            spans.append(f"{start}" if start == prev else f"{start}-{prev}")
            if n is not None:
                start = prev = n
        lines.append(f"{repository}\t{path}\t{','.join(spans)}")
    RESERVED.parent.mkdir(parents=True, exist_ok=True)
    RESERVED.write_text("\n".join(lines) + "\n", encoding="utf-8")


# ---- parsers: one per file format, each yields sessions with every turn's pointer --------------------------


def parse_chat(text: str, repository: str, path: str) -> Iterator[Session]:
    """JDDC chat_0.1per.txt: session, user, waiter_send (1 = agent), …, text; one message per line."""
    sessions: dict[str, Session] = {}
    for n, raw in enumerate(text.split("\n"), 1):
        parts = raw.split("\t", 6)
        if len(parts) < 7:
            continue
        s = sessions.setdefault(parts[0], Session("jddc-chat", parts[0]))
        s.turns.append(Turn("agent" if parts[2] == "1" else "buyer", parts[6], repository, path, n, 0))
    yield from sessions.values()


def parse_csv(text: str, repository: str, path: str) -> Iterator[Session]:
    """JDDC test contexts as CSV: session_id, custom (buyer parts joined by [SEP]), assistance (three agents'
    alternative replies joined by [SEP], messages by !@@@!; the first agent's reply is taken)."""
    sessions: dict[str, Session] = {}
    for n, row in enumerate(csv.reader(io.StringIO(text)), 1):
        if n == 1 or len(row) < 2:
            continue
        s = sessions.setdefault(row[0], Session(f"jddc-{Path(path).stem}", row[0]))
        for i, part in enumerate(row[1].split("[SEP]")):
            if part.strip() and part.strip() != "NULL":
                s.turns.append(Turn("buyer", part, repository, path, n, i))
        reply = row[2].split("[SEP]")[0] if len(row) > 2 else ""
        for j, part in enumerate(reply.split("!@@@!")):
            if part.strip() and part.strip() != "NULL":
                s.turns.append(Turn("agent", part, repository, path, n, 100 + j))
    yield from sessions.values()


def parse_windows(text: str, repository: str, path: str) -> Iterator[Session]:
    """JDDC baseline windows: each line is Q,A,Q,A,Q of one session, every message followed by a comma, with
    no mark of who wrote which: the parts are 'unknown' and labelled one by one."""
    for n, raw in enumerate(text.split("\n"), 1):
        if not raw.strip():
            continue
        s = Session("jddc-window", f"{path}:{n}")
        for i, part in enumerate(raw.rstrip(",").split(",")):
            if part.strip():
                s.turns.append(Turn("unknown", part, repository, path, n, i))
        yield s


def parse_ecd(text: str, repository: str, path: str) -> Iterator[Session]:
    """Taobao ECD: label, then the context's turns (buyer first, alternating), then one candidate reply. Each
    context appears once per candidate: the first line of a context stands for it."""
    seen: set[tuple[str, ...]] = set()
    for n, raw in enumerate(text.split("\n"), 1):
        parts = raw.split("\t")
        if len(parts) < 3:
            continue
        context = tuple(parts[1:-1])
        if context in seen:
            continue
        seen.add(context)
        s = Session("taobao-ecd", f"{path}:{n}")
        for i, part in enumerate(context):
            if part.strip():
                s.turns.append(Turn("buyer" if i % 2 == 0 else "agent", part, repository, path, n, i + 1))
        yield s


CORPORA = (
    (*JDDC, "data/chat_0.1per.txt", parse_chat),
    (*CSVS, "data/dev.csv", parse_csv),
    (*CSVS, "data/test.csv", parse_csv),
    (*SEQ2SEQ, "data/train.enc", parse_windows),
    (*SEQ2SEQ, "data/test.enc", parse_windows),
    (*ECD, "ECD_sample/train", parse_ecd),
    (*ECD, "ECD_sample/test", parse_ecd),
)
# Read only to learn the reserved texts (they repeat data/dev.csv, which is used instead).
RESERVED_ONLY = ((*JDDC, "data/dev_question.txt"),)


def reserved_texts(sources: Sources, reserved: dict[tuple[str, str], set[int]]) -> set[str]:
    """Buyer texts of reserved lines that identify a message: long enough, and not boilerplate (a text that
    recurs in three or more sessions, such as an agent's greeting inside a window, names no conversation)."""
    texts: set[str] = set()
    seen_in: Counter[str] = Counter()
    for repository, commit, path, parse in CORPORA:
        lines = reserved.get((repository, path), set())
        for s in parse(sources.read(repository, commit, path), repository, path):
            seen_in.update({t.text.strip() for t in s.turns})
            texts.update(t.text.strip() for t in s.turns if t.line in lines and t.role != "agent")
    for repository, commit, path in RESERVED_ONLY:
        lines = reserved.get((repository, path), set())
        for n, raw in enumerate(sources.read(repository, commit, path).split("\n"), 1):
            if n in lines:
                body = re.sub(r"^(Q|A):\s*|</?Q\d+>", "", raw)
                texts.update(p.strip() for p in re.split(r"!@@@!|<sep>", body))
    return {t for t in texts if len(t) >= MIN_RESERVED_TEXT and seen_in[t] < 3}


def rebuild(sources: Sources) -> list[Session]:
    reserved = reserved_lines()
    banned = reserved_texts(sources, reserved)
    kept: list[Session] = []
    dropped: Counter[str] = Counter()
    for repository, commit, path, parse in CORPORA:
        lines = reserved.get((repository, path), set())
        for s in parse(sources.read(repository, commit, path), repository, path):
            if any(t.line in lines for t in s.turns):
                dropped["sessions holding a reserved line"] += 1
            elif any(t.role != "agent" and t.text.strip() in banned for t in s.turns):
                dropped["sessions repeating a reserved message"] += 1
            elif s.turns:
                kept.append(s)
    OUT.mkdir(exist_ok=True)
    with (OUT / "sessions.jsonl").open("w", encoding="utf-8") as f:
        for s in kept:
            f.write(
                json.dumps(
                    {
                        "corpus": s.corpus,
                        "session": s.id,
                        "split": s.split,
                        "turns": [[t.role, t.text, t.repository, t.path, t.line, t.index] for t in s.turns],
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
    per = Counter(s.corpus for s in kept)
    print(
        f"wrote {OUT / 'sessions.jsonl'}: {len(kept)} sessions "
        f"({', '.join(f'{c} {n}' for c, n in sorted(per.items()))}); "
        f"left out: {', '.join(f'{n} {why}' for why, n in dropped.items())}"
    )
    return kept


# ---- reading what rebuild wrote, for the evaluation and the labelling tools --------------------------------


def load_sessions() -> list[Session]:
    path = OUT / "sessions.jsonl"
    if not path.exists():
        raise SystemExit(f"{path} is missing: run `scripts/realdata.py rebuild` first")
    out = []
    with path.open(encoding="utf-8") as f:
        for raw in f:
            d = json.loads(raw)
            out.append(Session(d["corpus"], d["session"], [Turn(*t) for t in d["turns"]]))
    return out


@dataclass(frozen=True, slots=True)
class Label:
    repository: str
    path: str
    line: int
    index: int
    sha1: str
    session: str
    split: str
    label: str
    needs_context: bool

    @property
    def key(self) -> tuple[str, str, int, int]:
        return (self.repository, self.path, self.line, self.index)


def read_labels(path: Path = LABELS) -> list[Label]:
    rows = []
    with path.open(encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        if tuple(header) != LABEL_FIELDS:
            raise SystemExit(f"{path}:1: expected the columns {', '.join(LABEL_FIELDS)}")
        for n, raw in enumerate(f, 2):
            if not raw.strip():
                continue
            p = raw.rstrip("\n").split("\t")
            if len(p) != len(LABEL_FIELDS):
                raise SystemExit(f"{path}:{n}: expected {len(LABEL_FIELDS)} tab-separated fields")
            rows.append(Label(p[0], p[1], int(p[2]), int(p[3]), p[4], p[5], p[6], p[7], p[8] == "1"))
    return rows


def check(labels: list[Label], sessions: list[Session] | None) -> list[str]:
    """Every problem with the labels: reserved lines, duplicates, wrong splits, and (with the texts rebuilt)
    pointers that find no message or a different text."""
    problems = []
    reserved = reserved_lines()
    seen: set[tuple[str, str, int, int]] = set()
    for lab in labels:
        where = f"{lab.path}:{lab.line}#{lab.index}"
        if lab.line in reserved.get((lab.repository, lab.path), ()):
            problems.append(f"{where}: points at a reserved line")
        if lab.key in seen:
            problems.append(f"{where}: labelled twice")
        seen.add(lab.key)
    if sessions is not None:
        turns = {t.key: (t, s) for s in sessions for t in s.turns}
        for lab in labels:
            where = f"{lab.path}:{lab.line}#{lab.index}"
            found = turns.get(lab.key)
            if found is None:
                problems.append(f"{where}: no such message in the rebuilt corpora")
            elif found[0].sha1 != lab.sha1:
                problems.append(f"{where}: text differs from the labelled one (sha1 {found[0].sha1} ≠ {lab.sha1})")
            elif found[1].split != lab.split or found[1].id != lab.session:
                problems.append(
                    f"{where}: session/split is {found[1].id}/{found[1].split}, label says {lab.session}/{lab.split}"
                )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    rb = sub.add_parser("rebuild", help="bring the texts back into .realdata/ and check the labels")
    rb.add_argument("--mirror", type=Path, help="folder of local git mirrors (<owner>+<name>/…) instead of cloning")
    sub.add_parser("check", help="check the labels against .realdata/ (and the reserved list)")
    sub.add_parser("stats", help="labels per split and label")
    sub.add_parser("reserved", help="rewrite tests/data/real/reserved.txt from ../shared/real-data/exclude.tsv")
    args = parser.parse_args(argv)
    if args.command == "reserved":
        write_reserved_copy()
        return 0
    if args.command == "stats":
        labels = read_labels()
        table = Counter((lab.label, lab.split) for lab in labels)
        names = sorted({lab.label for lab in labels})
        print(f"{'label':<22}" + "".join(f"{s:>7}" for s, _ in SPLITS) + f"{'all':>7}")
        for name in names:
            row = [table[(name, s)] for s, _ in SPLITS]
            print(f"{name:<22}" + "".join(f"{n:>7}" for n in row) + f"{sum(row):>7}")
        print(
            f"{'total':<22}"
            + "".join(f"{sum(table[(n, s)] for n in names):>7}" for s, _ in SPLITS)
            + f"{len(labels):>7}"
        )
        return 0
    sessions = rebuild(Sources(args.mirror)) if args.command == "rebuild" else load_sessions()
    if not LABELS.exists():
        print(f"{LABELS} does not exist yet: nothing to check")
        return 0
    labels = read_labels()
    problems = check(labels, sessions)
    for p in problems:
        print(p, file=sys.stderr)
    print(f"{len(labels)} labels checked: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
