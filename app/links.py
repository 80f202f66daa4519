"""Every OpenAPI link of the service, in one table: which response gives the ids of which next request.

Clients read them in /openapi.json (a case opened → its timeline, events, follow-ups …); schemathesis'
stateful phase (tests/test_fuzz.py) follows exactly these, so a route that takes an id someone else's
response gives belongs here. It stands above the domains, as app/tables.py does: one place to extend.

To add one: ``Link(source, statuses, name, target, description, parameters, body)`` with operations named
``"METHOD /path"`` as in the document; for a route that takes a case, add it to ``_CASE_ROUTES`` and every
response that returns a case links to it. A link to a missing operation, status, parameter or body field
fails at start-up (app/http/openapi.py).
"""

from __future__ import annotations

from app.http.openapi import Link

# The runtime expressions of a case in a response, where the case is the whole body ("") or a part of it.
# A response of a case, and the requests that take that case: name, target, its parameters and body fields,
# from the case's id, version, first evidence item and shop.
_CASE_ROUTES: tuple[tuple[str, str, str, dict[str, str], dict[str, str] | None], ...] = (
    ("GetCase", "GET /v1/cases/{case_id}", "the case", {"case_id": "{p}/id"}, None),
    ("Timeline", "GET /v1/cases/{case_id}/timeline", "its timeline", {"case_id": "{p}/id"}, None),
    ("AddEvent", "POST /v1/cases/{case_id}/events", "an event on it", {"case_id": "{p}/id"}, None),
    ("SetFollowUp", "POST /v1/cases/{case_id}/follow-ups", "a follow-up on it", {"case_id": "{p}/id"}, None),
    (
        "ReceiveEvidence",
        "POST /v1/cases/{case_id}/evidence/{evidence_id}/received",
        "its first evidence item received",
        {"case_id": "{p}/id", "evidence_id": "{p}/evidence/0/id"},
        None,
    ),
    (
        "ChangeStatus",
        "POST /v1/cases/{case_id}/status",
        "a status change at the version just read",
        {"case_id": "{p}/id"},
        {"version": "{p}/version"},
    ),
    (
        "UpdateCase",
        "PATCH /v1/cases/{case_id}",
        "an update at the version just read",
        {"case_id": "{p}/id"},
        {"version": "{p}/version"},
    ),
    ("SuggestInCase", "POST /v1/suggest", "a suggestion that continues it", {}, {"case_id": "{p}/id"}),
    ("NextSteps", "GET /v1/cases/{case_id}/next", "its current script and next steps", {"case_id": "{p}/id"}, None),
    (
        "ChooseScript",
        "POST /v1/cases/{case_id}/choose",
        "the agent's choice of a script for it, at the version just read",
        {"case_id": "{p}/id"},
        {"version": "{p}/version"},
    ),
    ("ShopScripts", "GET /v1/phrasebook", "the scripts of its shop", {"shop_id": "{p}/shop_id"}, None),
    (
        "EraseConversation",
        "POST /v1/admin/erasure",
        "the erasure of its conversation's personal data (admins)",
        {},
        {"shop_id": "{p}/shop_id", "conversation_id": "{p}/conversation_id"},
    ),
)

# Responses that return a case, and where the case is in their body.
_CASE_SOURCES: tuple[tuple[str, tuple[int, ...], str], ...] = (
    ("POST /v1/cases", (200, 201), ""),
    ("GET /v1/cases/{case_id}", (200,), ""),
    ("PATCH /v1/cases/{case_id}", (200,), ""),
    ("POST /v1/cases/{case_id}/status", (200,), ""),
    ("POST /v1/cases/{case_id}/evidence/{evidence_id}/received", (200,), ""),
    ("GET /v1/cases", (200,), "/cases/0"),
    ("GET /v1/follow-ups/overdue", (200,), "/follow_ups/0/case"),
    ("GET /v1/cases/{case_id}/next", (200,), "/case"),
    ("POST /v1/cases/{case_id}/choose", (200,), "/case"),
)


def _case_links() -> list[Link]:
    out = []
    for source, statuses, pointer in _CASE_SOURCES:
        p = "$response.body#" + pointer
        for name, target, what, parameters, body in _CASE_ROUTES:
            if (source, name) == ("GET /v1/cases/{case_id}", "GetCase"):
                continue  # the same request again
            out.append(
                Link(
                    source,
                    statuses,
                    name,
                    target,
                    f"{what} ({pointer or 'the body'} is a case)",
                    {k: v.format(p=p) for k, v in parameters.items()},
                    None if body is None else {k: v.format(p=p) for k, v in body.items()},
                )
            )
    return out


LINKS: tuple[Link, ...] = (
    *_case_links(),
    # The cases a suggestion was recorded on (with a conversation_id or a case_id).
    Link(
        "POST /v1/suggest",
        (200,),
        "GetCase",
        "GET /v1/cases/{case_id}",
        "the first case it was recorded on",
        {"case_id": "$response.body#/cases/0/id"},
    ),
    Link(
        "POST /v1/suggest",
        (200,),
        "Timeline",
        "GET /v1/cases/{case_id}/timeline",
        "that case's timeline",
        {"case_id": "$response.body#/cases/0/id"},
    ),
    # The cases the first item of a batch was recorded on.
    Link(
        "POST /v1/suggest/batch",
        (200,),
        "GetCase",
        "GET /v1/cases/{case_id}",
        "the first case its first item was recorded on",
        {"case_id": "$response.body#/results/0/suggestion/cases/0/id"},
    ),
    # An event added: the timeline it is now on.
    Link(
        "POST /v1/cases/{case_id}/events",
        (201,),
        "Timeline",
        "GET /v1/cases/{case_id}/timeline",
        "the timeline with the new event",
        {"case_id": "$request.path.case_id"},
    ),
    # A follow-up: done, and its case.
    Link(
        "POST /v1/cases/{case_id}/follow-ups",
        (201,),
        "Done",
        "POST /v1/follow-ups/{follow_up_id}/done",
        "complete it",
        {"follow_up_id": "$response.body#/id"},
    ),
    Link(
        "POST /v1/cases/{case_id}/follow-ups",
        (201,),
        "GetCase",
        "GET /v1/cases/{case_id}",
        "its case, with the follow-up",
        {"case_id": "$response.body#/case_id"},
    ),
    Link(
        "GET /v1/follow-ups/overdue",
        (200,),
        "Done",
        "POST /v1/follow-ups/{follow_up_id}/done",
        "complete the first overdue one",
        {"follow_up_id": "$response.body#/follow_ups/0/follow_up/id"},
    ),
    Link(
        "POST /v1/follow-ups/{follow_up_id}/done",
        (200,),
        "GetCase",
        "GET /v1/cases/{case_id}",
        "its case",
        {"case_id": "$response.body#/case_id"},
    ),
    # A key: revoke it (and revoking it again answers the same).
    Link(
        "POST /v1/admin/keys",
        (201,),
        "Revoke",
        "POST /v1/admin/keys/{key_id}/revoke",
        "revoke the new key",
        {"key_id": "$response.body#/id"},
    ),
    Link(
        "POST /v1/admin/keys/{key_id}/revoke",
        (200,),
        "RevokeAgain",
        "POST /v1/admin/keys/{key_id}/revoke",
        "revoke it again",
        {"key_id": "$response.body#/id"},
    ),
    # Outbound: a target saved or listed → change it; a delivery in the log → send it again.
    Link(
        "POST /v1/outbound/targets",
        (201,),
        "UpdateTarget",
        "PATCH /v1/outbound/targets/{target_id}",
        "change the new target",
        {"target_id": "$response.body#/id"},
    ),
    Link(
        "GET /v1/outbound/targets",
        (200,),
        "UpdateTarget",
        "PATCH /v1/outbound/targets/{target_id}",
        "change the first target",
        {"target_id": "$response.body#/targets/0/id"},
    ),
    Link(
        "GET /v1/outbound/deliveries",
        (200,),
        "Redeliver",
        "POST /v1/outbound/deliveries/{delivery_id}/redeliver",
        "send the newest delivery again",
        {"delivery_id": "$response.body#/deliveries/0/id"},
    ),
    # A reload: the version that went live (or was rejected) in status and history.
    Link("POST /v1/admin/reload", (200,), "Status", "GET /v1/phrasebook/status", "the live and rejected versions"),
    Link("POST /v1/admin/reload", (200,), "History", "GET /v1/phrasebook/history", "the versions that went live"),
)
