"""Content mistakes are all reported at once, each with file:line:column, in words an editor reads."""

from pathlib import Path

import pytest

from app.core.content import ContentInvalid, load_catalog
from app.settings import PROJECT_ROOT


@pytest.fixture
def content(content_root: Path) -> Path:
    return content_root


def errors_after(content: Path, normalizer, edits: dict[str, tuple[str, str]]) -> list[str]:
    for rel, (old, new) in edits.items():
        path = content / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, f"test setup: {old!r} not in {rel}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ContentInvalid) as caught:
        load_catalog(content, normalizer)
    return [str(e) for e in caught.value.errors if e.severity == "error"]


def line_of(content: Path, rel: str, needle: str) -> int:
    lines = (content / rel).read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if needle in line)


def test_shipped_content_loads_without_errors(normalizer):
    catalog = load_catalog(PROJECT_ROOT, normalizer)
    assert [w for w in catalog.warnings if w.severity == "error"] == []
    assert len(catalog.version) == 12


def test_unknown_evidence_and_action_ids(content, normalizer):
    errs = errors_after(
        content,
        normalizer,
        {
            "phrasebook/damaged.yaml": (
                "evidence: [waybill_photo, box_photos, item_photos]",
                "evidence: [waybill_photo, box_fotos, item_photos]",
            ),
            "phrasebook/wrong_item.yaml": ("actions: [", "actions: [fly_to_moon, "),
        },
    )
    line = line_of(content, "phrasebook/damaged.yaml", "box_fotos")
    assert any(e.startswith(f"phrasebook/damaged.yaml:{line}:") and "box_fotos" in e for e in errs)
    assert any(e.startswith("phrasebook/wrong_item.yaml:") and "fly_to_moon" in e for e in errs)
    assert len(errs) == 2  # both reported in one go


def test_misspelt_placeholder_suggests_the_right_one(content, normalizer):
    errs = errors_after(
        content,
        normalizer,
        {
            "phrasebook/damaged.yaml": ("{{ amount }}元的小额补偿", "{{ amout }}元的小额补偿"),
        },
    )
    assert len(errs) == 1 and "amout" in errs[0] and "did you mean 'amount'" in errs[0]


def test_template_syntax_error(content, normalizer):
    errs = errors_after(
        content, normalizer, {"phrasebook/damaged.yaml": ("{{ amount }}元的小额补偿", "{{ amount 元的小额补偿")}
    )
    assert len(errs) == 1 and "template syntax error" in errs[0]


def test_duplicate_branch_id_and_dangling_next(content, normalizer):
    errs = errors_after(
        content,
        normalizer,
        {
            "phrasebook/damaged.yaml": ("  - id: box_damaged_slight", "  - id: box_damaged_severe"),
        },
    )
    assert any("duplicate branch id 'box_damaged_severe'" in e for e in errs)
    assert any("unknown next branch 'box_damaged_slight'" in e for e in errs)


def test_keyword_shared_by_two_intents(content, normalizer):
    errs = errors_after(content, normalizer, {"intents/wrong_item.yaml": ("keywords:\n", "keywords:\n  破损: []\n")})
    assert len(errs) == 1
    assert errs[0].startswith("intents/wrong_item.yaml:") and "also under 'damaged'" in errs[0]


def test_example_listed_under_two_intents(content, normalizer):
    first = (content / "intents/damaged.yaml").read_text(encoding="utf-8").split("examples:\n")[1].splitlines()[0]
    errs = errors_after(content, normalizer, {"intents/wrong_item.yaml": ("examples:\n", f"examples:\n{first}\n")})
    assert len(errs) == 1 and "also listed under 'damaged'" in errs[0]


def test_missing_contract_intent_and_orphan_flow(content, normalizer):
    (content / "intents/lost_parcel.yaml").unlink()
    with pytest.raises(ContentInvalid) as caught:
        load_catalog(content, normalizer)
    text = str(caught.value)
    assert "contract intent 'lost_parcel' is missing" in text
    assert "no intents/lost_parcel.yaml for this flow" in text


def test_wrong_id_and_bad_condition(content, normalizer):
    errs = errors_after(
        content,
        normalizer,
        {
            "intents/damaged.yaml": ("id: damaged", "id: Damaged"),
            "phrasebook/damaged.yaml": (
                "when: {evidence_received: [box_photos], assessment: box_damaged_severe}",
                "when: {order_status: [teleported], colour: red}",
            ),
        },
    )
    assert any("must equal the file name" in e for e in errs)
    assert any("unknown condition 'colour'" in e for e in errs)
    assert any("teleported" in e for e in errs)


def test_every_error_has_file_line_and_column(content, normalizer):
    errs = errors_after(
        content, normalizer, {"phrasebook/damaged.yaml": ("evidence: [waybill_photo", "evidence: [nope")}
    )
    file, line, col, _ = errs[0].split(":", 3)
    assert file == "phrasebook/damaged.yaml" and int(line) > 0 and int(col) > 0


def test_broken_yaml_is_reported_with_the_other_errors(content, normalizer):
    (content / "intents/_extra.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    errs = errors_after(
        content, normalizer, {"phrasebook/damaged.yaml": ("evidence: [waybill_photo", "evidence: [nope")}
    )
    assert any(e.startswith("intents/_extra.yaml:") for e in errs) and any("nope" in e for e in errs)


def test_undeclared_assessment_is_an_error_with_a_suggestion(content, normalizer):
    errs = errors_after(
        content,
        normalizer,
        {"phrasebook/damaged.yaml": ("assessment: box_damaged_severe}", "assessment: box_damaged_sevre}")},
    )
    line = line_of(content, "phrasebook/damaged.yaml", "box_damaged_sevre")
    assert len(errs) == 1 and errs[0].startswith(f"phrasebook/damaged.yaml:{line}:")
    assert "unknown assessment 'box_damaged_sevre'" in errs[0] and "did you mean 'box_damaged_severe'" in errs[0]


def test_near_miss_names_an_existing_other_intent(content, normalizer):
    errs = errors_after(
        content,
        normalizer,
        {
            "intents/damaged.yaml": (
                "  - {intent: quality_issue, text: 用了三天就坏了不制冷}\n  - {intent: quality_issue, text: 电水壶",
                "  - {intent: quality_isue, text: 用了三天就坏了不制冷}\n  - {intent: damaged, text: 电水壶",
            ),
            "intents/wrong_item.yaml": ("negatives:", "negatives:\n  - 只写了一句话\n  - {text: 没有意图}\n#"),
        },
    )
    assert len(errs) == 4
    assert any(e.startswith("intents/damaged.yaml:") and "not 'quality_isue'" in e for e in errs)
    assert any(e.startswith("intents/damaged.yaml:") and "not 'damaged'" in e for e in errs)
    assert any(
        e.startswith("intents/wrong_item.yaml:") and "negatives.0: Input should be a valid dict" in e for e in errs
    )
    assert any(e.startswith("intents/wrong_item.yaml:") and "missing field 'negatives.1.intent'" in e for e in errs)


def test_unknown_check_and_deadline(content, normalizer):
    errs = errors_after(
        content,
        normalizer,
        {
            "phrasebook/missing_item.yaml": (
                "deadline: warehouse_feedback",
                "deadline: warehouse_feedbak",
            ),
            "phrasebook/damaged.yaml": ("checks: [remedy_ladder", "checks: [remedy_laddr"),
        },
    )
    assert len(errs) == 2
    assert any(
        e.startswith("phrasebook/missing_item.yaml:3:") and "unknown value 'warehouse_feedbak'" in e for e in errs
    )
    assert any(e.startswith("phrasebook/damaged.yaml:") and "remedy_laddr" in e for e in errs)


def test_reading_rules_and_questions_load_with_their_sources(normalizer):
    catalog = load_catalog(PROJECT_ROOT, normalizer)
    assert "是的" in catalog.reading.affirm and "不用" in catalog.reading.deny and catalog.reading.skip
    assert catalog.clarify is not None
    pair = catalog.clarify.question(("lost_parcel", "delivery_chase"))
    assert set(pair.intents) == {"lost_parcel", "delivery_chase"} and pair.source.file == "phrasebook/_clarify.yaml"
    assert catalog.clarify.question(("damaged",)).intents == ("damaged",)
    assert catalog.clarify.question(()).intents == ()  # the open default question
    chase = catalog.intents["delivery_chase"]
    assert {r.intent for r in chase.redirects} == {"shipping_eta", "lost_parcel"}
    assert "seven_day_return" in catalog.intents["return_request"].yields_to


def test_mistakes_in_reading_rules_questions_and_intent_rules_are_all_reported(content, normalizer):
    errs = errors_after(
        content,
        normalizer,
        {
            "intents/_reading.yaml": ("skip:", "skip:\n  - '(在吗'"),
            "phrasebook/_clarify.yaml": (
                "  delivery_chase: 亲,请问是包裹还没送到吗?",
                "  delivery_chase: 亲,这边马上给您退款\n  no_such_intent: 亲,请问?",
            ),
            "intents/return_request.yaml": ("yields_to: [", "yields_to: [nowhere, "),
            "intents/delivery_chase.yaml": ("intent: shipping_eta}", "intent: nowhere}"),
            "intents/lost_parcel.yaml": (
                "order_state:",
                "order_state:\n  - {when: {assessment: lost}, intent: delivery_chase}",
            ),
        },
    )
    joined = "\n".join(errs)
    assert "intents/_reading.yaml:" in joined and "not a valid pattern" in joined
    assert "phrasebook/_clarify.yaml:" in joined and "must not promise: 给您退款" in joined
    assert "unknown intent 'no_such_intent'" in joined
    assert any(
        e.startswith("intents/return_request.yaml:")
        and not e.startswith("intents/return_request.yaml:1:")
        and "yields_to: 未知的意图 unknown intent 'nowhere'" in e
        for e in errs
    )
    assert "intents/delivery_chase.yaml:" in joined and "unknown intent 'nowhere'" in joined
    assert "intents/lost_parcel.yaml:" in joined and "order_state is decided by order_status" in joined
    assert all(":" in e.split(" ")[0] for e in errs)  # every one at file:line:column


def test_a_gapped_keyword_is_normalised_part_by_part(content, normalizer):
    path = content / "intents" / "shipping_eta.yaml"
    text = path.read_text(encoding="utf-8").replace("keywords:", "keywords:\n  什麼時候~發貨呢: []", 1)
    path.write_text(text, encoding="utf-8")
    catalog = load_catalog(content, normalizer)
    texts = {k.text for k in catalog.intents["shipping_eta"].keywords}
    assert "什么时候~发货呢" in texts  # 繁→简 on each part, the gap kept


def test_unknown_remedy_condition_is_an_error_with_a_suggestion(content, normalizer):
    errs = errors_after(
        content, normalizer, {"phrasebook/damaged.yaml": ("when: {remedy: [resend]}", "when: {remedy: [resnd]}")}
    )
    line = line_of(content, "phrasebook/damaged.yaml", "resnd")
    assert len(errs) == 1 and errs[0].startswith(f"phrasebook/damaged.yaml:{line}:")
    assert "unknown remedy 'resnd'" in errs[0] and "did you mean 'resend'" in errs[0]


def test_order_state_redirects_cannot_depend_on_a_remedy(content, normalizer):
    errs = errors_after(
        content,
        normalizer,
        {
            "intents/shipping_eta.yaml": (
                "{when: {order_status: [signed]}, intent: lost_parcel}",
                "{when: {order_status: [signed], remedy: [refund]}, intent: lost_parcel}",
            )
        },
    )
    assert len(errs) == 1 and "order_state" in errs[0]
