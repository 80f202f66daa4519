"""How Chatwoot signs a webhook delivery, and its check (pure).

Chatwoot 4.13+ (``lib/webhooks/trigger.rb``, ``Webhooks::Trigger#request_headers``), when the webhook has a
secret::

    ts = Time.now.to_i.to_s
    headers['X-Chatwoot-Timestamp'] = ts
    headers['X-Chatwoot-Signature'] = "sha256=#{OpenSSL::HMAC.hexdigest('SHA256', @secret, "#{ts}.#{body}")}"

The signed text is the timestamp, a dot and the raw body exactly as sent: the check works on the bytes
received, never on re-serialised JSON. Chatwoot signs each attempt afresh, so a delivery older than the
tolerance is a replay.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Chatwoot-Signature"
TIMESTAMP_HEADER = "X-Chatwoot-Timestamp"
DELIVERY_HEADER = "X-Chatwoot-Delivery"
TOLERANCE_SECONDS = 300  # clocks a few minutes apart still verify; a captured delivery replays for no longer


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The header value Chatwoot sends for ``body`` at ``timestamp`` (unix seconds, as text)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, timestamp: str | None, signature: str | None, body: bytes, now: float) -> bool:
    """Whether ``signature`` is Chatwoot's for ``body`` at ``timestamp``, within the tolerance of ``now``."""
    if not timestamp or not signature or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    if abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    # compare_digest: the time taken says nothing about how much of a forged signature was right.
    return hmac.compare_digest(sign(secret, timestamp, body).encode(), signature.strip().encode())


def secret_for(setting: str, account_id: int) -> str | None:
    """The secret that signs ``account_id``'s webhook: CHATWOOT_WEBHOOK_SECRET is one secret for every account,
    or ``account:secret`` pairs (Chatwoot makes one secret per webhook, and a webhook is an account's)."""
    setting = setting.strip()
    if not setting:
        return None
    if ":" not in setting:
        return setting
    for pair in setting.split(","):
        account, _, secret = pair.strip().partition(":")
        if account.strip() == str(account_id) and secret.strip():
            return secret.strip()
    return None
