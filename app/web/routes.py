"""Pages: the editors' preview. Templates end in .html so every value is escaped."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from app.core.engine import SHOP_TZ
from app.core.order import Order

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
_MISSING = re.compile(r"【[^】]{1,12}】")
PAGE_HEADERS = {"Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
                "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def highlight(text: str) -> Markup:
    """Escape the script, then mark unfilled placeholders (【金额】) so an editor sees them at once."""
    escaped = str(escape(text))
    return Markup(_MISSING.sub(lambda m: f'<mark class="missing">{m.group()}</mark>', escaped))  # noqa: S704


templates.env.filters["highlight"] = highlight


@router.get("/editor/preview", response_class=HTMLResponse)
def preview(request: Request,
            message: Annotated[str, Query(max_length=2000)] = "",
            status: Annotated[Literal["", "unpaid", "awaiting_shipment", "shipped", "in_transit", "out_for_delivery",
                                      "signed", "rejected", "returning"], Query()] = "",
            signed_by: Annotated[Literal["", "self", "proxy", "locker"], Query()] = "",
            shop_id: Annotated[str, Query(max_length=64)] = "") -> HTMLResponse:
    engine = request.app.state.content.engine
    result = None
    if message.strip():
        order = Order(status=status or None, signed_by=(signed_by or None) if status == "signed" else None)
        result = engine.suggest(message, order=order, shop_id=shop_id or None, now=datetime.now(SHOP_TZ))
    context = {"message": message, "status": status, "signed_by": signed_by, "shop_id": shop_id, "result": result,
               "shops": sorted(engine.catalog.shop_flows), "version": engine.version,
               "statuses": ["unpaid", "awaiting_shipment", "shipped", "in_transit", "out_for_delivery", "signed",
                            "rejected", "returning"]}
    return templates.TemplateResponse(request, "preview.html", context, headers=PAGE_HEADERS)
