"""The README's configuration table is the one scripts/settings_table.py writes from app/settings.py."""

from __future__ import annotations

from app.settings import Settings
from scripts.settings_table import README, rewritten, table


def test_the_readme_table_is_up_to_date():
    text = README.read_text(encoding="utf-8")
    assert rewritten(text) == text, "README.md's settings table is stale: run scripts/settings_table.py"


def test_every_setting_has_a_row_and_a_description():
    rows = table().splitlines()[2:]
    assert len(rows) == len(Settings.model_fields)
    for field, row in zip(Settings.model_fields.values(), rows, strict=True):
        assert row.startswith(f"| `{field.validation_alias}` |") and field.description
