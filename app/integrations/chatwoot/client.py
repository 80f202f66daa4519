"""Chatwoot's Application API, the calls this service makes (standard library HTTP, no new dependency).

- a private note: ``POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/messages`` with
  ``{"content", "message_type": "outgoing", "private": true}`` (``Messages::MessageBuilder``: ``private``
  makes the message a note only agents see; swagger ``create_message_payload.yml``);
- canned responses: ``GET``/``POST /api/v1/accounts/{account_id}/canned_responses`` and ``PATCH …/{id}``,
  fields ``short_code`` and ``content`` (``CannedResponsesController``, ``_canned_response.json.jbuilder``).

Every call authenticates with the ``api_access_token`` header, the token of the user (or agent bot) it acts as.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

TIMEOUT_SECONDS = 10.0  # far below a note's lease (service.LEASE): a slow Chatwoot is retried, never posted twice


class ChatwootError(Exception):
    """A call Chatwoot did not take; ``retryable``: no answer, 408, 429 or 5xx (worth trying again later)."""

    def __init__(self, message: str, status: int | None) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = status is None or status in (408, 429) or status >= 500


@dataclass(frozen=True, slots=True)
class CannedResponse:
    id: int
    short_code: str
    content: str


class Chatwoot:
    def __init__(self, base_url: str, token: str, timeout: float = TIMEOUT_SECONDS) -> None:
        self.base_url, self._token, self.timeout = base_url.rstrip("/"), token, timeout

    def post_private_note(self, account_id: int, conversation_id: int, content: str) -> int | None:
        """Post ``content`` as a private note in the conversation; the new message's id."""
        answer = self._call(
            "POST",
            f"/api/v1/accounts/{account_id}/conversations/{conversation_id}/messages",
            {"content": content, "message_type": "outgoing", "private": True},
        )
        found = answer.get("id") if isinstance(answer, dict) else None
        return found if isinstance(found, int) else None

    def canned_responses(self, account_id: int) -> list[CannedResponse]:
        answer = self._call("GET", f"/api/v1/accounts/{account_id}/canned_responses")
        if not isinstance(answer, list):
            raise ChatwootError("unexpected answer to GET canned_responses (not a list)", 200)
        return [
            CannedResponse(int(r["id"]), str(r.get("short_code") or ""), str(r.get("content") or ""))
            for r in answer
            if isinstance(r, dict) and isinstance(r.get("id"), int)
        ]

    def create_canned_response(self, account_id: int, short_code: str, content: str) -> None:
        self._call(
            "POST", f"/api/v1/accounts/{account_id}/canned_responses", {"short_code": short_code, "content": content}
        )

    def update_canned_response(self, account_id: int, canned_id: int, short_code: str, content: str) -> None:
        self._call(
            "PATCH",
            f"/api/v1/accounts/{account_id}/canned_responses/{canned_id}",
            {"short_code": short_code, "content": content},
        )

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={"api_access_token": self._token, "Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - our configured URL
                raw = response.read()
        except urllib.error.HTTPError as exc:
            # The status and the path only: Chatwoot's error body may repeat what we sent (the buyer's case).
            raise ChatwootError(f"Chatwoot answered {exc.code} to {method} {path}", exc.code) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ChatwootError(f"no answer from Chatwoot to {method} {path}: {type(reason).__name__}", None) from None
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            raise ChatwootError(f"Chatwoot's answer to {method} {path} is not JSON", 200) from None
