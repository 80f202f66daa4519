"""Who is calling: a key's role, its permissions and the shops it may act for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.auth.roles import PERMISSIONS, Permission, Role

ALL_SHOPS = "*"
DEFAULT_SHOP = "default"  # the shop of case records made by requests that name none


@dataclass(frozen=True, slots=True)
class Principal:
    key_id: str
    role: Role
    shops: frozenset[str]  # {"*"} for every shop
    expires_at: datetime | None = None
    budget_per_minute: int | None = None  # this key's own budget; None: its role's (app/auth/guard.py)

    @property
    def all_shops(self) -> bool:
        return ALL_SHOPS in self.shops

    def can(self, permission: Permission) -> bool:
        return permission in PERMISSIONS[self.role]

    def may_act_for(self, shop_id: str) -> bool:
        return self.all_shops or shop_id in self.shops

    def default_shop(self) -> str | None:
        """A key for exactly one shop acts for it when a request names none."""
        return next(iter(self.shops)) if len(self.shops) == 1 and not self.all_shops else None

    def case_shop(self, requested: str | None) -> str | None:
        """The shop whose cases a request works on: the one named (checked by the caller), else the key's only
        shop, else the shared default shop when this key may act for it. None: the key must name its shop,
        because writing to ``default`` would reach cases outside its scope."""
        if requested is not None:
            return requested
        return self.default_shop() or (DEFAULT_SHOP if self.may_act_for(DEFAULT_SHOP) else None)

    @property
    def shop_scope(self) -> tuple[str, ...] | None:
        """The shops whose cases this key may touch; None means every shop."""
        return None if self.all_shops else tuple(sorted(self.shops))

    def visible_shops(self, requested: str | None) -> tuple[str, ...] | None:
        """Shops a listing may show: None means every shop. The caller checked ``requested`` already."""
        return (requested,) if requested is not None else self.shop_scope
