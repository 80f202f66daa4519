"""Chatwoot: suggestions posted as private notes from its ``message_created`` webhook, and the shop's scripts
synchronised as canned responses. Checked against Chatwoot's own source; the payloads relied on are copied
into tests/data/chatwoot/ with the file they come from."""
