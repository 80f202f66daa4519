"""Case records: every after-sales problem as a tracked case with its timeline, evidence and follow-ups."""
