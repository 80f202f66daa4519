"""Outbound events: what happened to a shop's cases, told to its other systems (signed webhooks) and to the
企业微信 / 钉钉 / 飞书 groups where 店长 approve and teams chase overdue work (group robots)."""
