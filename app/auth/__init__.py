"""API keys, roles, shop scope and rate limits."""
