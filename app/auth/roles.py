"""Roles and what each may do. One table, read by the guard and by the authorisation-matrix test."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    bot = "bot"  # another system: suggestions and case records for its shops
    agent = "agent"  # 客服 in the sidebar: the same, plus exports and stats, personal data in clear
    editor = "editor"  # shop supervisor: the phrasebook, its history and preview, stats, masked exports
    supervisor = "supervisor"  # 店长: an agent who also approves compensation above the agents' range
    admin = "admin"  # everything, including keys


class Permission(StrEnum):
    suggest = "suggest"  # /v1/suggest, /v1/refund-quote, /v1/intents
    cases_read = "cases:read"
    cases_write = "cases:write"
    export = "export"  # 登记表格 downloads
    stats = "stats"
    personal_data = "personal_data"  # phones, ID numbers and addresses unmasked in case data and exports
    phrasebook_read = "phrasebook:read"
    phrasebook_write = "phrasebook:write"
    keys = "keys"
    approve = "approve"  # decide approvals: compensation above the agents' range (000: 店长决定)
    outbound = "outbound"  # the shop's webhooks and group robots, their delivery log and redelivery
    erasure = "erasure"  # erase one buyer's personal data (个人信息保护法 删除权): admins only


_ALL = frozenset(Permission)
# The 店长 is an agent who may also decide amounts above the agents' range.
_AGENT = frozenset(
    {
        Permission.suggest,
        Permission.cases_read,
        Permission.cases_write,
        Permission.export,
        Permission.stats,
        Permission.personal_data,
        Permission.phrasebook_read,
    }
)
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.bot: frozenset(
        {Permission.suggest, Permission.cases_read, Permission.cases_write, Permission.phrasebook_read}
    ),
    Role.agent: _AGENT,
    Role.supervisor: _AGENT | {Permission.approve, Permission.outbound},
    # Editors export the 登记表格 for their reports, with buyers' personal data masked.
    Role.editor: frozenset(
        {
            Permission.suggest,
            Permission.export,
            Permission.stats,
            Permission.phrasebook_read,
            Permission.phrasebook_write,
        }
    ),
    Role.admin: _ALL,
}
