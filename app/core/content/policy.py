"""Shop policy: the defaults from the seeds (policy/default.yaml), overridden per shop
(phrasebook/shops/<shop_id>/policy.yaml, beside the shop's scripts). Validated by pydantic; every mistake
is reported with file:line."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from app.core.content.errors import ContentError, ContentInvalid
from app.core.content.fields import locate, plain
from app.core.content.holidays import Holidays, check, merge
from app.core.content.tracking import TrackingFile, load_tracking
from app.core.content.yamlsafe import load_file

Step = Literal["explain", "coupon", "compensate", "exchange", "return"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CompensationRange(_Strict):
    agent_min: Decimal = Field(ge=0)
    agent_max: Decimal = Field(ge=0)

    @model_validator(mode="after")
    def _range(self) -> CompensationRange:
        if self.agent_min > self.agent_max:
            raise ValueError("agent_min 不能大于 agent_max (agent_min must not exceed agent_max)")
        return self


class Compensation(CompensationRange):
    """What an agent may grant alone: ``agent_min``–``agent_max`` for every intent, except the intents
    ``by_intent`` names (000: 质量问题 5–8 元); above the range the ``approver`` decides."""

    approver: str = Field(min_length=1)
    by_intent: dict[str, CompensationRange] = Field(default_factory=dict)


def compensation_range(policy: Policy, intent: str | None) -> tuple[Decimal, Decimal]:
    """The amounts an agent may grant alone for ``intent`` in this shop's policy: (min, max)."""
    c = policy.compensation
    r = c.by_intent.get(intent or "", c)
    return r.agent_min, r.agent_max


class ShippingInsurance(_Strict):
    min: Decimal = Field(ge=0)
    max: Decimal = Field(ge=0)


class Warehouse(_Strict):
    """Where a return goes: the name alone says which warehouse; the address, receiver and phone fill a
    script's {{ return_address }} (a shop without them leaves 【退货地址】 for the agent, and the lint says so)."""

    name: str = Field(min_length=1)
    address: str | None = Field(None, min_length=1)
    receiver: str | None = Field(None, min_length=1)
    phone: str | None = Field(None, min_length=1)

    @property
    def complete(self) -> bool:
        return bool(self.address and self.receiver and self.phone)

    def line(self) -> str | None:
        """As a script says it, or None when the shop has not configured where to send it."""
        if not self.complete:
            return None
        return f"{self.name}({self.address},{self.receiver},{self.phone})"


class ReturnWarehouses(_Strict):
    default: Warehouse
    by_product_line: dict[str, Warehouse] = Field(default_factory=dict)  # a word of the item's name → warehouse

    def for_product(self, product: str | None) -> Warehouse:
        if product:
            for line, warehouse in self.by_product_line.items():
                if line in product:
                    return warehouse
        return self.default

    def all(self) -> list[Warehouse]:
        return [self.default, *self.by_product_line.values()]


class ResponseMinutes(_Strict):
    refund_first_response: int = Field(gt=0)
    courier_feedback: int = Field(gt=0)
    supervisor_approval: int = Field(gt=0)
    quality_check_internal: int = Field(gt=0)
    quality_check_external: int = Field(gt=0)
    refund_handling: int = Field(gt=0)


class Logistics(_Strict):
    pickup_timeout_hours: int = Field(gt=0)
    stalled_days: int = Field(gt=0)
    abnormal_days: int = Field(gt=0)
    claim_after_days: int = Field(ge=0)
    lost_verification_workdays: int = Field(gt=0)
    presumed_lost_days: int = Field(gt=0)


class Offer(_Strict):
    """An amount a script offers (a retention's 补偿): suggested at ``min``, checked against ``max``."""

    min: Decimal = Field(ge=0)
    max: Decimal = Field(ge=0)
    why: str = Field(min_length=1)

    @model_validator(mode="after")
    def _range(self) -> Offer:
        if self.min > self.max:
            raise ValueError("min 不能大于 max (min must not exceed max)")
        return self


class SevenDayReturn(_Strict):
    window_hours: int = Field(gt=0)


class LateShipment(_Strict):
    hours: int = Field(gt=0)
    penalty_rate: Decimal = Field(ge=0, le=1)
    penalty_cap: Decimal = Field(ge=0)


class Policy(_Strict):
    ladder: tuple[Step, ...]
    compensation: Compensation
    shipping_insurance: ShippingInsurance
    return_warehouses: ReturnWarehouses
    response_minutes: ResponseMinutes
    logistics: Logistics
    seven_day_return: SevenDayReturn
    late_shipment: LateShipment
    # A script id → the amount it offers (e.g. quality_issue.no_cooling_retain: 10–20 元, seed 003).
    offers: dict[str, Offer] = Field(default_factory=dict)
    # Wording the platforms forbid in a script → why: a content error (content/wording.py). A shop adds its own.
    forbidden_wording: dict[str, str] = Field(default_factory=dict)
    # Days off and make-up working days beyond (or correcting) the chinese-calendar package: holidays.py.
    holidays: Holidays = Field(default_factory=Holidays)


class Policies:
    """The default policy and each shop's effective policy (defaults deep-merged with its overrides)."""

    def __init__(
        self,
        default: Policy,
        shops: dict[str, Policy],
        warnings: tuple[ContentError, ...] = (),
        tracking: TrackingFile | None = None,
    ) -> None:
        self.default = default
        self._shops = shops
        self.warnings = warnings  # shown by the lint; they never keep content from going live
        # Courier platforms' state codes → order status and signer (policy/tracking_states.yaml), every shop's.
        self.tracking = tracking or TrackingFile()

    def for_shop(self, shop_id: str | None) -> Policy:
        return self._shops.get(shop_id or "", self.default)

    @property
    def shops(self) -> list[str]:
        return sorted(self._shops)


def load_policies(root: Path) -> Policies:
    """Load policy/default.yaml, phrasebook/shops/*/policy.yaml and policy/tracking_states.yaml under ``root``.
    Raises ContentInvalid."""
    errors: list[ContentError] = []
    default_path = root / "policy" / "default.yaml"
    base = _read(default_path, root, errors)
    default = _validate(base, base, default_path, root, errors) if base is not None else None
    shops: dict[str, Policy] = {}
    shops_dir = root / "phrasebook" / "shops"
    folders = sorted(p for p in shops_dir.iterdir() if p.is_dir()) if shops_dir.is_dir() else []
    for path in (f / "policy.yaml" for f in folders):
        if not (path.exists() or path.is_symlink()):
            continue  # no policy of its own; a folder or a link to nothing of that name is reported below
        override = _read(path, root, errors)
        if override is None or base is None:
            continue
        merged = _merge(plain(base), plain(override))
        if isinstance(base.get("holidays"), dict) and isinstance(override.get("holidays"), dict):
            merged["holidays"] = merge(plain(base["holidays"]), plain(override["holidays"]))
        policy = _validate(merged, override, path, root, errors)
        if policy is not None:
            shops[path.parent.name] = policy
    tracking, tracking_errors = load_tracking(root)
    errors.extend(tracking_errors)
    failed = [e for e in errors if e.severity == "error"]
    if failed or default is None:
        raise ContentInvalid(
            failed or [ContentError("policy/default.yaml", 0, 0, "缺少默认政策 default policy missing")]
        )
    return Policies(default, shops, tuple(e for e in errors if e.severity == "warning"), tracking)


def _read(path: Path, root: Path, errors: list[ContentError]) -> Any:
    rel = path.relative_to(root).as_posix()
    loaded = load_file(path, rel)
    if loaded.error:
        errors.append(loaded.error)
        return None
    if not isinstance(loaded.data, dict):
        errors.append(ContentError(rel, 1, 1, "文件顶层必须是映射 top level must be a mapping"))
        return None
    errors.extend(check(loaded.data.get("holidays"), rel))
    return loaded.data


def _validate(data: Any, located: Any, path: Path, root: Path, errors: list[ContentError]) -> Policy | None:
    try:
        return Policy.model_validate(plain(data))
    except ValidationError as exc:
        rel = path.relative_to(root).as_posix()
        for err in exc.errors():
            line, col = locate(located, err["loc"])
            where = ".".join(str(p) for p in err["loc"] if p != "[key]")
            # A validator's own words (Chinese first) without pydantic's "Value error, " before them.
            message = str(err["ctx"]["error"]) if err["type"] == "value_error" else err["msg"]
            errors.append(ContentError(rel, line, col, f"{where}: {message}"))
        return None


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out
