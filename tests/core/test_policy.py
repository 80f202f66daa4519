"""Shop policy: defaults from the seeds, per-shop overrides, mistakes reported with file:line."""

import shutil
from decimal import Decimal

import pytest

from app.core.content import ContentInvalid
from app.core.content.policy import load_policies
from app.settings import PROJECT_ROOT


def test_defaults_follow_the_seeds():
    p = load_policies(PROJECT_ROOT).default
    assert (p.compensation.agent_min, p.compensation.agent_max, p.compensation.approver) == (5, 30, "店长")
    assert p.ladder == ("explain", "coupon", "compensate", "exchange", "return")
    assert (p.shipping_insurance.min, p.shipping_insurance.max) == (6, 12)
    assert p.response_minutes.refund_first_response == 30 and p.response_minutes.supervisor_approval == 720
    assert p.seven_day_return.window_hours == 168 and p.late_shipment.penalty_cap == Decimal("500")


def test_a_shop_overrides_only_what_it_names():
    policies = load_policies(PROJECT_ROOT)
    shop = policies.for_shop("demo-shop")
    assert shop.compensation.agent_max == 50 and shop.compensation.agent_min == 5
    assert shop.logistics.stalled_days == 2 and shop.logistics.abnormal_days == 7
    assert policies.for_shop("unknown-shop") is policies.default and "demo-shop" in policies.shops


@pytest.fixture
def root(tmp_path):
    shutil.copytree(PROJECT_ROOT / "policy", tmp_path / "policy")
    shutil.copytree(PROJECT_ROOT / "phrasebook", tmp_path / "phrasebook")
    return tmp_path


def test_mistakes_are_reported_with_file_and_line(root):
    (root / "phrasebook" / "shops" / "bad").mkdir(parents=True, exist_ok=True)
    (root / "phrasebook" / "shops" / "bad" / "policy.yaml").write_text(
        "compensation:\n  agent_max: -5\nlogistics:\n  stalled_dayz: 2\n", encoding="utf-8"
    )
    with pytest.raises(ContentInvalid) as caught:
        load_policies(root)
    text = [str(e) for e in caught.value.errors]
    assert any(t.startswith("phrasebook/shops/bad/policy.yaml:2:") and "agent_max" in t for t in text)
    assert any(t.startswith("phrasebook/shops/bad/policy.yaml:4:") and "stalled_dayz" in t for t in text)


def test_inverted_range_is_an_error(root):
    (root / "phrasebook" / "shops" / "inverted").mkdir(parents=True, exist_ok=True)
    (root / "phrasebook" / "shops" / "inverted" / "policy.yaml").write_text(
        "compensation:\n  agent_min: 40\n", encoding="utf-8"
    )
    with pytest.raises(ContentInvalid, match="agent_min must not exceed agent_max"):
        load_policies(root)
