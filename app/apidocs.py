"""The API's own documentation, served offline: Swagger UI at /docs, ReDoc at /redoc.

FastAPI's default pages load their scripts from a CDN (unreliable in mainland China, and blocked anyway by the
API's ``default-src 'none'``). Here the assets come from the ``fastapi-offline`` wheel (Swagger UI and ReDoc as
static files, kept up to date by its maintainer) under /static/apidocs, started by our own scripts in
app/web/static (no inline script), under a policy that allows exactly those files.

The OpenAPI document also gets, here and not in every domain's schemas: an operation id per route (its
function's name, stable across path changes: client generators name their methods after it) and a worked
example for every request body (``REQUEST_EXAMPLES``; tests/test_apidocs.py sends each to a live server).
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from app.http.headers import PAGE_CSP_BASE

ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSETS_URL = "/static/apidocs"
# Swagger UI and ReDoc set styles at run time (ReDoc's styled-components writes <style> elements), so styles
# may be inline; scripts may not: only our own files run. Icons are data: URLs; ReDoc's search runs in a
# blob: worker. Nothing leaves the service: connect-src is the service itself (the OpenAPI document, Try it out).
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; worker-src blob:; frame-ancestors 'none'; form-action 'none'; "
    f"{PAGE_CSP_BASE}"
)
HEADERS = {"Content-Security-Policy": DOCS_CSP, "Cache-Control": "no-store"}


# Function names that say too little on their own in a generated client (status of what?).
_RENAMED = {
    "healthz": "liveness",
    "readyz": "readiness",
    "intents": "list_intents",
    "timeline": "get_case_timeline",
    "overdue": "list_overdue_follow_ups",
    "stats": "get_stats",
    "effective": "get_phrasebook",
    "reload": "reload_phrasebook",
    "status": "get_phrasebook_status",
    "history": "get_phrasebook_history",
    "privacy_log": "list_privacy_log",
}


def operation_id(route: APIRoute) -> str:
    """The route's function name (suggest, open_case, list_keys …), or its clearer name in _RENAMED; unique
    (checked by tests/test_apidocs.py)."""
    return _RENAMED.get(route.name, route.name)


# Named examples per request-body schema, shown in /docs ("Examples" menu) and /redoc.
REQUEST_EXAMPLES: dict[str, dict[str, dict[str, Any]]] = {
    "SuggestRequest": {
        "damaged": {
            "summary": "破损 a broken cup, with a tracking number",
            "value": {"message": "亲 收到的杯子碎了 /:Q 单号SF1234567890123"},
        },
        "intercept": {
            "summary": "截件 in transit, buyer in a hurry",
            "value": {
                "message": "不要了 帮我拦截一下吧 急着用钱",
                "order": {"status": "in_transit", "shipped_at": "2026-11-20T18:40:00+08:00", "amount": "129.00"},
                "now": "2026-11-22T12:00:00+08:00",
            },
        },
        "tracking_state": {
            "summary": "物流平台状态码 the courier platform's own state (快递100 304: 投柜或站签收)",
            "value": {"message": "快递显示签收了 但我根本没收到", "order": {"tracking_state": "kuaidi100:304"}},
        },
        "conversation": {
            "summary": "在会话中 in a conversation: opens or continues its case",
            "value": {"message": "快递显示签收了 但我根本没收到", "conversation_id": "conv-1024", "shop_id": "default"},
        },
    },
    "RefundQuoteRequest": {
        "full_reduction": {
            "summary": "满减 part of an order after a 满减",
            "value": {
                "items": [{"id": "A", "price": "200.00"}, {"id": "B", "price": "300.00"}],
                "postage": "10.00",
                "discounts": [{"type": "full_reduction", "amount": "100.00"}],
                "refund_items": ["A"],
            },
        }
    },
    "CaseOpen": {
        "damaged": {
            "summary": "开案 open a damaged-parcel case",
            "value": {
                "shop_id": "default",
                "intent": "damaged",
                "order_id": "T20261122001",
                "conversation_id": "conv-1024",
            },
        }
    },
    "CasePatch": {
        "remedy": {
            "summary": "定补救 set the remedy and amount",
            "value": {"version": 1, "actor": "agent-07", "remedy": "partial_refund", "amount": "20.00"},
        }
    },
    "EventIn": {
        "note": {"summary": "备注 a note", "value": {"type": "note", "actor": "agent-07", "data": {"text": "已补发"}}}
    },
    "EvidenceReceivedIn": {"received": {"summary": "已收到 received", "value": {"by": "agent-07"}}},
    "FollowUpIn": {
        "courier": {
            "summary": "跟进 ask the courier again",
            "value": {"what": "联系快递核实签收底单", "due_at": "2026-11-24T18:00:00+08:00", "actor": "agent-07"},
        }
    },
    "FollowUpDoneIn": {"done": {"summary": "已完成 done", "value": {"by": "agent-07"}}},
    "StatusIn": {
        "waiting_courier": {
            "summary": "等快递 waiting for the courier",
            "value": {"status": "waiting_courier", "version": 1, "actor": "agent-07", "reason": "已通知快递核实"},
        }
    },
    "ChooseIn": {
        "chosen": {
            "summary": "选用搜到的话术 the agent's choice of a script found by search",
            "value": {"script_id": "damaged.box_intact_severe", "version": 3, "actor": "agent-07"},
        }
    },
    "DecisionIn": {
        "approve": {"summary": "批准 approve", "value": {"decision": "approve", "by": "店长-王"}},
        "reject": {
            "summary": "驳回 reject, with the reason",
            "value": {"decision": "reject", "reason": "轻微磕碰,补偿 10 元即可", "by": "店长-王"},
        },
    },
    "ErasureIn": {
        "phone": {
            "summary": "按手机号 by phone, counting first",
            "value": {"shop_id": "default", "phone": "13812345678", "dry_run": True},
        },
        "conversation": {
            "summary": "按会话 one conversation",
            "value": {"shop_id": "default", "conversation_id": "conv-1024"},
        },
        "buyer_ref": {
            "summary": "按买家标识 by buyer reference",
            "value": {"shop_id": "default", "buyer_ref": "tb_buyer_88"},
        },
    },
    "ChatwootEvent": {
        "message_created": {
            "summary": "Chatwoot 买家新消息 a buyer's message (Message#webhook_data, abridged)",
            "value": {
                "event": "message_created",
                "id": 9001,
                "content": "亲 收到的杯子碎了 怎么办",
                "message_type": "incoming",
                "private": False,
                "sender": {"id": 301, "name": "买家小李", "type": "contact"},
                "account": {"id": 1, "name": "杯具旗舰店"},
                "inbox": {"id": 7, "name": "网页咨询"},
                "conversation": {"id": 42, "inbox_id": 7, "status": "open"},
            },
        }
    },
    "KeyIn": {
        "bot": {
            "summary": "机器人密钥 a bot's key for one shop",
            "value": {"role": "bot", "shops": ["default"], "label": "客服机器人"},
        }
    },
}


def _add_examples(spec: dict[str, Any]) -> None:
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if content is None:
                continue
            name = content.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
            if name in REQUEST_EXAMPLES:
                content["examples"] = REQUEST_EXAMPLES[name]


def _page(title: str, body: str, script: str) -> str:
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>"
        f'<link rel="icon" href="{ASSETS_URL}/favicon.png">{body}'
        f'<script src="{script}"></script></body></html>'
    )


def install(app: FastAPI, openapi_url: str = "/openapi.json") -> None:
    """/docs, /redoc and their assets; examples in the OpenAPI document. Call after every router is included."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        spec = generate()
        if not spec.get("x-examples-added"):
            _add_examples(spec)
            spec["x-examples-added"] = True
        return spec

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the document
    title = app.title
    swagger = _page(
        f"{title} · API",
        f'<link rel="stylesheet" href="{ASSETS_URL}/swagger-ui.css"></head><body>'
        f'<div id="swagger-ui" data-openapi="{escape(openapi_url)}"></div>'
        f'<script src="{ASSETS_URL}/swagger-ui-bundle.js"></script>',
        "/static/apidocs-swagger.js",
    )
    redoc = _page(
        f"{title} · ReDoc",
        f'</head><body><div id="redoc" data-openapi="{escape(openapi_url)}"></div>'
        f'<script src="{ASSETS_URL}/redoc.standalone.js"></script>',
        "/static/apidocs-redoc.js",
    )

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(swagger, headers=HEADERS)

    @app.get("/redoc", include_in_schema=False)
    async def redoc_page() -> HTMLResponse:
        return HTMLResponse(redoc, headers=HEADERS)

    # Before the /static mount in app/main.py: the first mount whose prefix matches answers.
    app.mount(ASSETS_URL, StaticFiles(directory=str(ASSETS)), name="apidocs")
