"""Integrations with systems the shop already runs (each in its own package)."""
