"""The HTTP layer: thin routes over the core. No business rules here."""
