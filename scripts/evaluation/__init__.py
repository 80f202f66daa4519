"""Measuring the service on labelled messages and whole conversations (used by scripts/evaluate.py)."""
