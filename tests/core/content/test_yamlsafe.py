import pytest

from app.core.content.yamlsafe import MAX_BYTES, load_yaml


def error_of(text, file="intents/x.yaml"):
    loaded = load_yaml(text, file)
    assert loaded.data is None and loaded.error is not None
    return loaded.error


def test_plain_file_loads_with_line_numbers():
    loaded = load_yaml("id: a\nexamples:\n  - 一\n  - 二\n", "intents/a.yaml")
    assert loaded.error is None
    assert loaded.data["examples"].lc.item(1) == (3, 4)  # 0-based line 3 → line 4 of the file


def test_alias_bomb_is_refused_before_it_expands():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(9)
    )
    err = error_of(bomb)
    assert (err.line, err.column) == (1, 4) and "anchors" in err.message


def test_alias_alone_is_refused():
    assert "aliases" in error_of("a: *missing\n").message or "syntax" in error_of("a: *missing\n").message


def test_python_object_tag_is_refused():
    err = error_of("x: !!python/object/apply:os.system ['echo hacked']\n")
    assert err.line == 1 and "custom tag" in err.message


def test_deep_nesting_is_refused_without_recursion_error():
    err = error_of("[" * 50_000 + "]" * 50_000)
    assert "nesting deeper" in err.message


def test_oversized_file_is_refused_before_parsing():
    err = error_of("a: " + "x" * (MAX_BYTES + 1))
    assert err.line == 0 and "too large" in err.message


def test_duplicate_key_names_its_line():
    err = error_of("id: a\nname: 一\nid: b\n")
    assert err.line == 3 and "duplicate key" in err.message


def test_syntax_error_names_line_and_column():
    err = error_of("id: a\nexamples:\n  - 一\n - 二\n")
    assert err.line == 4 and err.column >= 1


@pytest.mark.parametrize("raw", [b"\xff\xfe\x00", "id: 😀\n".encode("utf-16")])
def test_not_utf8_is_refused(raw):
    assert "UTF-8" in error_of(raw).message


def test_a_control_character_is_an_error_with_its_position():
    err = error_of("id: a\nname: 一\x00二\n")
    assert (err.line, err.column) == (2, 8) and "U+0000" in err.message


def test_a_valid_file_is_parsed_once(monkeypatch):
    from app.core.content import yamlsafe

    monkeypatch.setattr(yamlsafe, "_prescan", lambda *_: pytest.fail("a valid file was scanned twice"))
    assert load_yaml("id: once\nexamples: [一, 二]\n", "intents/once.yaml").data["examples"] == ["一", "二"]


def test_a_broken_file_reports_what_the_event_scan_reports():
    # The round-trip scanner puts this error at column 1; editors have always been told column 3.
    err = error_of("  - 外箱压坏了  # damaged\n  -少发了一件 要补发  # missing_item\n  - 鞋子偏大\n")
    assert (err.line, err.column) == (3, 3) and "expected ':'" in err.message


def test_dates_stay_text_and_a_date_that_does_not_exist_is_not_a_crash():
    # ruamel built date objects itself, and raised a bare ValueError for 2027-02-30 that escaped the loader.
    loaded = load_yaml("off:\n  2027-02-30: 春节\n  2027-01-01: 元旦\nat: 2027-01-01 10:00:00\n", "x.yaml")
    assert loaded.error is None
    assert list(loaded.data["off"]) == ["2027-02-30", "2027-01-01"] and loaded.data["at"] == "2027-01-01 10:00:00"
