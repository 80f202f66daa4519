"""The shop's outbound targets (webhooks, group robots), the delivery log and manual redelivery: for keys with
the ``outbound`` permission (the 店长, admins), always within the key's shops."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from app.auth.guard import require, shop_for
from app.auth.principal import Principal
from app.auth.roles import Permission
from app.core.clock import SHOP_TZ
from app.db.session import Database
from app.errors import FieldError
from app.http.schemas import error_responses
from app.integrations.outbound import repository as repo
from app.integrations.outbound import service
from app.integrations.outbound.schemas import (
    DeliveryList,
    DeliveryOut,
    NewTargetOut,
    TargetIn,
    TargetList,
    TargetOut,
    TargetPatch,
)
from app.integrations.outbound.serialize import delivery_out, target_out

router = APIRouter(prefix="/v1/outbound", tags=["outbound"], responses=error_responses(401, 403, 404, 422, 429, 503))
Manager = Annotated[Principal, Depends(require(Permission.outbound))]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
ShopQuery = Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
PAGE = 50


def _db(request: Request) -> Database:
    return request.app.state.database


def _shops(principal: Principal, shop_id: str | None) -> tuple[str, ...] | None:
    return principal.visible_shops(shop_for(principal, shop_id) if shop_id is not None else None)


def _examples(examples: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {"requestBody": {"content": {"application/json": {"examples": examples}}}}


@router.post(
    "/targets",
    response_model=NewTargetOut,
    status_code=201,
    summary="新建推送目标 Add a webhook or group robot",
    description="webhook:签名的 JSON 事件;wecom / dingtalk / feishu:群机器人消息(默认只推审批和逾期跟进)。"
    "地址解析到内网、本机、链路本地或组播地址时拒绝(422 `target_refused`)。密钥只写不读。\n\n"
    "A signed-JSON webhook, or a 企业微信 / 钉钉 / 飞书 group robot (approvals and overdue follow-ups by default). "
    "A URL resolving to a private, loopback, link-local or multicast address is refused (422 `target_refused`) "
    "unless OUTBOUND_ALLOW_PRIVATE. Secrets are write-only; a webhook saved without one gets one, shown once.",
    openapi_extra=_examples(
        {
            "webhook": {
                "summary": "签名 webhook, every event",
                "value": {"shop_id": "default", "kind": "webhook", "url": "https://erp.example.com/hooks/shouhou"},
            },
            "wecom": {
                "summary": "企业微信群机器人",
                "value": {
                    "shop_id": "default",
                    "kind": "wecom",
                    "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa",
                    "label": "售后群",
                },
            },
            "dingtalk": {
                "summary": "钉钉机器人, 加签",
                "value": {
                    "shop_id": "default",
                    "kind": "dingtalk",
                    "url": "https://oapi.dingtalk.com/robot/send?access_token=XXXXXX",
                    "secret": "SEC0123456789abcdef",
                    "events": ["approval.needed", "followup.overdue"],
                },
            },
        }
    ),
)
def create_outbound_target(body: TargetIn, request: Request, principal: Manager) -> JSONResponse:
    shop = shop_for(principal, body.shop_id)
    if shop is None:
        raise FieldError(
            "body.shop_id", "请写明 shop_id name the shop (this key acts for several)", code="shop_required"
        )
    with _db(request).unit_of_work() as s:
        target, made = service.create_target(
            s,
            shop_id=shop,
            kind=body.kind,
            url=body.url,
            secret=body.secret,
            events=list(body.events) if body.events else None,
            label=body.label,
            by=f"key:{principal.key_id}",
            now=datetime.now(SHOP_TZ),
            allow_private=request.app.state.settings.outbound_allow_private,
        )
        return JSONResponse({**target_out(target), "secret": made}, 201)


@router.get("/targets", response_model=TargetList, summary="推送目标 The shop's targets (no secrets)")
def list_outbound_targets(request: Request, principal: Manager, shop_id: ShopQuery = None) -> JSONResponse:
    with _db(request).unit_of_work() as s:
        return JSONResponse({"targets": [target_out(t) for t in repo.targets(s, _shops(principal, shop_id))]})


@router.patch(
    "/targets/{target_id}",
    response_model=TargetOut,
    summary="停用、改订阅或换密钥 Disable, resubscribe or rotate the secret",
    openapi_extra=_examples(
        {
            "disable": {"summary": "停用 disable", "value": {"active": False}},
            "events": {"summary": "只推审批 approvals only", "value": {"events": ["approval.needed"]}},
            "rotate": {"summary": "换密钥 a new secret", "value": {"secret": "whsec_new-secret-0123456789"}},
        }
    ),
)
def update_outbound_target(target_id: Id, body: TargetPatch, request: Request, principal: Manager) -> JSONResponse:
    with _db(request).unit_of_work() as s:
        target = service.get_target(s, target_id, principal.shop_scope)
        service.update_target(s, target, body.model_dump(exclude_unset=True))
        return JSONResponse(target_out(target))


@router.get(
    "/deliveries",
    response_model=DeliveryList,
    summary="投递记录 The delivery log (newest first)",
    description="每次投递:事件、目标、状态、每次尝试的状态码、错误和耗时(不含密钥和地址)。用 `before` 翻页。\n\n"
    "Each delivery with its attempts (status code, error in our words, duration; never a secret or a URL), newest "
    "first; page with `before` = the previous page's `next_before`.",
)
def list_outbound_deliveries(
    request: Request,
    principal: Manager,
    shop_id: ShopQuery = None,
    status: Literal["pending", "delivered", "failed"] | None = None,
    target_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    event_id: Annotated[str | None, Query(max_length=40, pattern=r"^evt_[0-9a-f]+$")] = None,
    before: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=PAGE)] = PAGE,
) -> JSONResponse:
    with _db(request).unit_of_work() as s:
        rows = repo.deliveries(
            s,
            _shops(principal, shop_id),
            status=status,
            target_id=target_id,
            event_id=event_id,
            before=before,
            limit=limit,
        )
        items = [delivery_out(d) for d in rows]
    return JSONResponse({"deliveries": items, "next_before": rows[-1].id if len(rows) == limit else None})


@router.post(
    "/deliveries/{delivery_id}/redeliver",
    response_model=DeliveryOut,
    status_code=202,
    summary="重新投递 Send a delivery again",
    description="立即再试一次(同一个事件 id,接收方可去重);结果见投递记录。\n\n"
    "One more attempt now, with the same event id (receivers drop a copy they kept); the worker sends it and the "
    "log shows the outcome.",
)
def redeliver_outbound(delivery_id: Id, request: Request, principal: Manager) -> JSONResponse:
    with _db(request).unit_of_work() as s:
        delivery = service.redeliver(s, delivery_id, principal.shop_scope, datetime.now(SHOP_TZ))
        return JSONResponse(delivery_out(delivery), 202)
