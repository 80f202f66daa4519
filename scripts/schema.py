#!/usr/bin/env python3
"""Write the content files' JSON Schemas into schema/ (run after changing the format or the vocabulary).

.venv/bin/python scripts/schema.py          # write
.venv/bin/python scripts/schema.py --check  # exit 1 if schema/ is out of date
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.core.content.loader import load_catalog  # noqa: E402
from app.core.content.schema import schemas  # noqa: E402
from app.core.normalize import Normalizer  # noqa: E402
from app.settings import PROJECT_ROOT  # noqa: E402

OUT = PROJECT_ROOT / "schema"


def rendered() -> dict[str, str]:
    vocab = load_catalog(PROJECT_ROOT, Normalizer()).vocabulary
    return {
        name: json.dumps(s, ensure_ascii=False, indent=2, sort_keys=True) + "\n" for name, s in schemas(vocab).items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    stale = []
    for name, text in rendered().items():
        path = OUT / name
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            OUT.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if stale:
        print("schema/ is out of date, run scripts/schema.py: " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
