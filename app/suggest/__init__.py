"""The suggest feature: /v1/suggest (for the message alone, or on the conversation's cases), /v1/refund-quote
and /v1/intents."""
