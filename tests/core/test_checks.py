"""The checks a flow may name: each has an implementation, and the shipped flows name what they used to get."""

from __future__ import annotations

from app.core.checks import CHECKS
from app.core.terms import Check, DeadlineKind


def test_every_check_a_flow_may_name_is_implemented():
    assert set(CHECKS) == set(Check)


def test_shipped_flows_declare_their_deadline_and_checks(engine):
    flows = engine.catalog.flows
    assert flows["address_change"].checks == (Check.ADDRESS,)
    assert flows["damaged"].checks == (
        Check.REMEDY_LADDER,
        Check.WAREHOUSE_FEEDBACK,
        Check.SIGNER_LIABILITY,
        Check.RETURN_WAREHOUSE,
    )
    assert flows["lost_parcel"].deadline is DeadlineKind.LOST_PARCEL_VERIFICATION
    assert flows["shipping_eta"].deadline is DeadlineKind.SHIP_BY and flows["shipping_eta"].checks == ()


def test_a_shop_flow_keeps_the_shared_deadline_and_checks(engine):
    shared, shop = engine.catalog.flows["damaged"], engine.catalog.flows_for("demo-shop")["damaged"]
    assert shop is not shared and (shop.deadline, shop.checks) == (shared.deadline, shared.checks)
