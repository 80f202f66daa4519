#!/usr/bin/env python3
"""Write the README's configuration table from the fields of app/settings.py (run after changing a setting).

.venv/bin/python scripts/settings_table.py          # rewrite the table in README.md
.venv/bin/python scripts/settings_table.py --check  # exit 1 if README.md's table is out of date
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pydantic.fields import FieldInfo  # noqa: E402

from app.settings import PROJECT_ROOT, Settings, expects  # noqa: E402

README = PROJECT_ROOT / "README.md"
BEGIN = (
    "<!-- settings table: written by scripts/settings_table.py from app/settings.py; edit the settings, not this -->"
)
END = "<!-- end of settings table -->"


def table() -> str:
    rows = ["| variable | default | accepts | |", "| --- | --- | --- | --- |"]
    for field in Settings.model_fields.values():
        cells = (f"`{field.validation_alias}`", _default(field), expects(field), field.description or "")
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(rows) + "\n"


def _default(field: FieldInfo) -> str:
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    if "readme_default" in extra:
        return str(extra["readme_default"])
    value = field.default
    if value == ():
        return "none"
    if isinstance(value, bool):
        return "`1`" if value else "`0`"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"`{value}`"


def rewritten(readme: str) -> str:
    """``readme`` with the text between the markers replaced by the current table."""
    head, found, rest = readme.partition(BEGIN + "\n")
    _, found_end, tail = rest.partition(END)
    if not found or not found_end:
        raise SystemExit(f"README.md lacks the markers {BEGIN!r} … {END!r}")
    return head + BEGIN + "\n" + table() + END + tail


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    text = README.read_text(encoding="utf-8")
    new = rewritten(text)
    if args.check:
        if new != text:
            print("README.md's settings table is out of date, run scripts/settings_table.py")
            return 1
        return 0
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
