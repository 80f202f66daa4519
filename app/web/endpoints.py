"""Pages: the editors' preview. Templates end in .html so every value is escaped."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Query, Request, Response, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from app.auth import service as keys
from app.auth.guard import SESSION_COOKIE_HTTP, SESSION_COOKIE_HTTPS, bearer, require, session_cookie
from app.auth.principal import Principal
from app.auth.roles import Permission
from app.core.order import Order
from app.core.terms import OrderStatus, Signer
from app.errors import AppError, Unauthorized
from app.http import audit
from app.http.headers import PAGE_CSP_BASE
from app.suggest import service

if TYPE_CHECKING:
    StatusChoice = str
    SignerChoice = str
else:  # the form's choices: "" (not known) or one of the enum's values
    StatusChoice = Literal[("", *(s.value for s in OrderStatus))]
    SignerChoice = Literal[("", *(s.value for s in Signer))]

router = APIRouter(include_in_schema=False)
# The demo's order panel speaks Chinese; every state and signer has a name (tests/web/test_demo.py).
ORDER_STATUS_NAMES = {
    OrderStatus.UNPAID: "待付款",
    OrderStatus.AWAITING_SHIPMENT: "待发货",
    OrderStatus.SHIPPED: "已发货",
    OrderStatus.IN_TRANSIT: "运输中",
    OrderStatus.OUT_FOR_DELIVERY: "派送中",
    OrderStatus.SIGNED: "已签收",
    OrderStatus.REJECTED: "已拒收",
    OrderStatus.RETURNING: "退回中",
}
SIGNER_NAMES = {Signer.SELF: "本人", Signer.PROXY: "代签", Signer.LOCKER: "快递柜"}
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
_MISSING = re.compile(r"【[^】]{1,12}】")
PAGE_HEADERS = {
    "Content-Security-Policy": f"default-src 'self'; frame-ancestors 'none'; form-action 'self'; {PAGE_CSP_BASE}",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
# The editor pages' forms (sign in, sign out) must carry their real Origin, which a no-referrer page's
# POST does not (it says "null", refused under /editor: app/http/origin.py); other sites still get no referrer.
EDITOR_HEADERS = {**PAGE_HEADERS, "Referrer-Policy": "same-origin"}


def highlight(text: str) -> Markup:
    """Escape the script, then mark unfilled placeholders (【金额】) so an editor sees them at once."""
    escaped = str(escape(text))
    return Markup(_MISSING.sub(lambda m: f'<mark class="missing">{m.group()}</mark>', escaped))  # noqa: S704


templates.env.filters["highlight"] = highlight


def _origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


@router.get("/sidebar", response_class=HTMLResponse)
def sidebar(
    request: Request,
    conversation_id: Annotated[str, Query(max_length=128)] = "",
    shop_id: Annotated[str, Query(max_length=64)] = "",
    message: Annotated[str, Query(max_length=2000)] = "",
    host_origin: Annotated[str, Query(max_length=200)] = "",
    agent: Annotated[str, Query(max_length=64)] = "",
) -> HTMLResponse:
    """The agent's sidebar. Context arrives by postMessage from an allowed host, by URL, or pasted."""
    allowed = list(request.app.state.settings.sidebar_origins)
    own = _origin(request)
    # Only an allowed host gets replies posted to it; anything else would leak the reply text.
    host = host_origin if host_origin in allowed or host_origin == own else ""
    config = {
        "conversation_id": conversation_id or None,
        "shop_id": shop_id or None,
        "message": message,
        "host_origin": host or None,
        "allowed_origins": allowed,
        "agent": agent or None,
    }
    ancestors = " ".join(["'self'", *allowed])
    headers = {
        **PAGE_HEADERS,
        "Content-Security-Policy": f"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self'; frame-ancestors {ancestors}; form-action 'self'; {PAGE_CSP_BASE}",
    }
    return templates.TemplateResponse(request, "sidebar.html", {"config": config}, headers=headers)


@router.get("/queue", response_class=HTMLResponse)
def queue(request: Request, shop_id: Annotated[str, Query(max_length=64)] = "") -> HTMLResponse:
    """The team's queue: overdue and due-soon follow-ups, approvals waiting for the 店长, cases waiting for
    evidence. A shell: the data comes from /v1/queue with the key from the URL fragment, as the sidebar."""
    headers = {
        **PAGE_HEADERS,
        "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
        f"connect-src 'self'; frame-ancestors 'none'; form-action 'self'; {PAGE_CSP_BASE}",
    }
    return templates.TemplateResponse(request, "queue.html", {"config": {"shop_id": shop_id or None}}, headers=headers)


@router.get("/demo", response_class=HTMLResponse)
def demo(request: Request) -> HTMLResponse:
    """A fake chat client embedding the sidebar, so a new user sees the whole thing work."""
    import uuid

    headers = {
        **PAGE_HEADERS,
        "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; frame-src 'self'; "
        f"frame-ancestors 'none'; {PAGE_CSP_BASE}",
    }
    context = {
        "origin": _origin(request),
        "conversation_id": f"demo-{uuid.uuid4().hex[:8]}",
        "order_id": f"DEMO{uuid.uuid4().int % 10**10:010d}",
        "statuses": [(s.value, ORDER_STATUS_NAMES[s]) for s in OrderStatus],
        "signers": [(s.value, SIGNER_NAMES[s]) for s in Signer],
    }
    return templates.TemplateResponse(request, "demo.html", context, headers=headers)


async def _editor(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]
) -> Principal | None:
    """The editor's key from the header or the page cookie; a browser without one is sent to sign in."""
    try:
        return await require(Permission.phrasebook_read, cookie=True)(request, credentials)
    except Unauthorized:
        if "text/html" in request.headers.get("accept", ""):
            return None
        raise


@router.get("/editor/preview", response_class=HTMLResponse)
def preview(
    request: Request,
    principal: Annotated[Principal | None, Depends(_editor)],
    message: Annotated[str, Query(max_length=2000)] = "",
    status: Annotated[StatusChoice, Query()] = "",
    signed_by: Annotated[SignerChoice, Query()] = "",
    shop_id: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    if principal is None:
        return RedirectResponse("/editor/login", 303, headers=EDITOR_HEADERS)
    engine = request.app.state.content.engine
    result = None
    if message.strip():
        signer = Signer(signed_by) if signed_by and status == OrderStatus.SIGNED else None
        order = Order(status=OrderStatus(status) if status else None, signed_by=signer)
        result = service.preview(engine, message, order, shop_id or None)
    context = {
        "message": message,
        "status": status,
        "signed_by": signed_by,
        "shop_id": shop_id,
        "result": result,
        "shops": sorted(engine.catalog.shop_flows),
        "version": engine.version,
        "statuses": [s.value for s in OrderStatus],
        "signers": [s.value for s in Signer],
    }
    return templates.TemplateResponse(request, "preview.html", context, headers=EDITOR_HEADERS)


@router.get("/editor/login", response_class=HTMLResponse)
def login_page(request: Request, failed: bool = False) -> HTMLResponse:
    """A form for the editor's key: a page opened by a browser cannot send an Authorization header."""
    return templates.TemplateResponse(request, "login.html", {"failed": failed}, headers=EDITOR_HEADERS)


@router.post("/editor/login")
async def login(request: Request) -> RedirectResponse:
    """Checks the key and opens an editor session: the cookie holds the session's own random token, never
    the key (HttpOnly, SameSite=Strict; over HTTPS Secure with the __Host- prefix, see app/auth/guard.py).

    A browser's cross-site or hidden (``Origin: null``) form never gets here: app/http/origin.py refuses
    it, so no other page can sign this browser in under someone else's key."""
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    key = (form.get("key") or [""])[0].strip()
    try:
        credentials = HTTPAuthorizationCredentials(scheme="Bearer", credentials=key) if key else None
        principal = await require(Permission.phrasebook_read)(request, credentials)
    except AppError as exc:
        if exc.status_code in (429, 503):  # not a wrong key: too many attempts, or the database is down
            raise
        audit.refused(request.scope, exc.status_code, exc.code)  # a redirect, not an error: logged here
        return RedirectResponse("/editor/login?failed=1", 303, headers=EDITOR_HEADERS)

    def open_session() -> tuple[str, datetime]:
        with request.app.state.database.unit_of_work() as s:
            return keys.open_session(s, principal, datetime.now(UTC))

    token, ends = await run_in_threadpool(open_session)
    response = RedirectResponse("/editor/preview", 303, headers=EDITOR_HEADERS)
    https = request.url.scheme == "https"
    response.set_cookie(
        session_cookie(request),
        token,
        httponly=True,
        samesite="strict",
        path="/" if https else "/editor",  # __Host- requires Path=/
        secure=https,
        max_age=max(1, int((ends - datetime.now(UTC)).total_seconds())),
    )
    return response


@router.post("/editor/logout")
async def logout(request: Request) -> RedirectResponse:
    """Ends the editor session on the server (its cookie stops working everywhere) and clears the cookie."""
    token = request.cookies.get(session_cookie(request))
    if token:

        def close() -> None:
            with request.app.state.database.unit_of_work() as s:
                keys.close_session(s, token)

        await run_in_threadpool(close)
    response = RedirectResponse("/editor/login", 303, headers=EDITOR_HEADERS)
    response.delete_cookie(SESSION_COOKIE_HTTP, path="/editor", httponly=True, samesite="strict")
    if request.url.scheme == "https":
        response.delete_cookie(SESSION_COOKIE_HTTPS, path="/", secure=True, httponly=True, samesite="strict")
    return response
