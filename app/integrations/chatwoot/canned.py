"""A shop's effective scripts as Chatwoot canned responses (short code = script id), so that agents can also
insert them with "/" in Chatwoot's reply box. Created when missing, updated when the wording changed, left
alone when equal; canned responses of other short codes are never touched."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.core.engine import Engine
from app.integrations.chatwoot.client import Chatwoot


@dataclass
class SyncReport:
    account_id: int
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def line(self, dry_run: bool) -> str:
        verb = "would be " if dry_run else ""
        return (
            f"account {self.account_id}: {len(self.created)} {verb}created, {len(self.updated)} {verb}updated, "
            f"{len(self.unchanged)} unchanged"
        )


def scripts_of(engine: Engine, shop_id: str) -> dict[str, str]:
    """Script id → the text an agent sends: placeholders the service would fill from the order and case
    (amount, deadline, tracking number …) shown as 【…】 for the agent to complete, as the sidebar shows them."""
    out: dict[str, str] = {}
    for flow in engine.catalog.flows_for(shop_id).values():
        for branch in flow.branches:
            out[branch.script_id] = engine.playbook.render(branch, {}).text.strip()
    return out


def sync(chatwoot: Chatwoot, account_id: int, scripts: dict[str, str], *, dry_run: bool) -> SyncReport:
    report = SyncReport(account_id)
    existing = {c.short_code: c for c in chatwoot.canned_responses(account_id)}
    for code, text in sorted(scripts.items()):
        found = existing.get(code)
        if found is None:
            report.created.append(code)
            if not dry_run:
                chatwoot.create_canned_response(account_id, code, text)
        elif found.content.strip() != text:
            report.updated.append(code)
            if not dry_run:
                chatwoot.update_canned_response(account_id, found.id, code, text)
        else:
            report.unchanged.append(code)
    return report
