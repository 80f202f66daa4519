"""The words the code itself understands. Content and requests may only use these; each is defined once,
here, and everything that names an order status, a signer, a check or a deadline kind uses the enum.

StrEnum members are their own string values, so they compare, hash, sort and serialise as those strings.
"""

from __future__ import annotations

from enum import StrEnum

# The ways a case is put right (seed 003/000): what an agent records as a case's remedy, what a buyer agrees to
# ("那就补发吧"), and what a script's branch may be conditioned on once it is agreed (``when: {remedy: …}``).
REMEDIES = ("resend", "refund", "partial_refund", "exchange", "compensate", "return_refund")


class OrderStatus(StrEnum):
    UNPAID = "unpaid"
    AWAITING_SHIPMENT = "awaiting_shipment"
    SHIPPED = "shipped"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    SIGNED = "signed"
    REJECTED = "rejected"
    RETURNING = "returning"


class Signer(StrEnum):
    SELF = "self"
    PROXY = "proxy"  # 代签: a doorman, a relative, a parcel station
    LOCKER = "locker"  # 快递柜


class AttachmentKind(StrEnum):
    """What a file the buyer sent is (the host's ``attachments``: Chatwoot's ``file_type``)."""

    IMAGE = "image"
    VIDEO = "video"
    FILE = "file"


class Check(StrEnum):
    """What a flow asks the service to work out from the order and the policy (``checks:`` in a flow;
    implemented in app/core/checks.py, applied in the order the flow lists them)."""

    REMEDY_LADDER = "remedy_ladder"  # note: the order of remedies (解释 → 优惠券 → 补偿 → 换货 → 退货)
    SEVEN_DAY_WINDOW = "seven_day_window"  # 七天无理由: eligibility, window end, return postage and warehouse
    LOGISTICS_STAGES = "logistics_stages"  # pickup timeout, stalled, abnormal, claim
    LOST_VERIFICATION = "lost_verification"  # working days the courier has to verify a lost parcel
    WAREHOUSE_FEEDBACK = "warehouse_feedback"  # when the warehouse or courier contact must report back
    SIGNER_LIABILITY = "signer_liability"  # note: who bears a signed parcel's damage or shortage
    REFUND_FIRST_RESPONSE = "refund_first_response"  # when a refund request must first be answered
    ADDRESS = "address"  # does new delivery information have 名字+电话+完整地址+邮编
    PRESUMED_LOST = "presumed_lost"  # 001: no tracking movement for 5 days counts as lost: 补发 or 退款
    QUALITY_CHECK = "quality_check"  # 001: a returned item's quality check: 12 h internal, 48 h external
    REFUND_HANDLING = "refund_handling"  # 000: a refund request is handled within 24 h
    RETURN_WAREHOUSE = "return_warehouse"  # note: where an exchanged or returned item goes (禾兰仕 → 顺丰云仓)


class DeadlineKind(StrEnum):
    """The deadlines the service computes; a flow's ``deadline:`` names the one its {{ deadline }} means."""

    SHIP_BY = "ship_by"
    SEVEN_DAY_RETURN_WINDOW = "seven_day_return_window"
    COURIER_FEEDBACK = "courier_feedback"
    PICKUP_TIMEOUT = "pickup_timeout"
    ABNORMAL_LOGISTICS = "abnormal_logistics"
    COURIER_CLAIM = "courier_claim"
    LOST_PARCEL_VERIFICATION = "lost_parcel_verification"
    WAREHOUSE_FEEDBACK = "warehouse_feedback"
    REFUND_FIRST_RESPONSE = "refund_first_response"
    SUPERVISOR_APPROVAL = "supervisor_approval"
    PRESUMED_LOST = "presumed_lost"
    QUALITY_CHECK_INTERNAL = "quality_check_internal"
    QUALITY_CHECK_EXTERNAL = "quality_check_external"
    REFUND_HANDLING = "refund_handling"
