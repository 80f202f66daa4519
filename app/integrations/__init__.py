"""Integrations with systems the shop already uses."""
