"""The case cockpit: what a case's current step is and what can happen next, and any script found by search."""
