"""The suggest feature's rules: check what a request claims, then ask the engine, for the message alone or
on the conversation's cases. Every call into the engine is in this module (triage, then ``_advise``), so that a
change of the engine's API is made here and nowhere else. Functions never commit: the caller's unit of
work does."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from app.auth.guard import case_shop
from app.auth.principal import Principal
from app.auth.roles import Permission
from app.cases import service as cases
from app.cases.models import Case
from app.cases.service import case_state
from app.cockpit import service as cockpit
from app.conversations import service as conversations
from app.core.clock import SHOP_TZ
from app.core.content.tracking import TrackingFile
from app.core.conversation import Role, Turn
from app.core.engine import CaseState, Engine, Suggestion, Triage
from app.core.order import Item, Order, inconsistencies, with_tracking
from app.core.refund import Discount, NotCovered, Quote, QuoteItem, quote
from app.core.terms import OrderStatus, Signer
from app.errors import FieldError, Forbidden
from app.metrics import count_outcome
from app.suggest.casebook import CaseBook, CaseRef
from app.suggest.schemas import OrderContext, RefundQuoteRequest, SuggestRequest


@dataclass(frozen=True, slots=True)
class Ask:
    """A request that passed the checks, in the core's terms."""

    message: str
    order: Order
    now: datetime  # in the shops' zone
    order_id: str | None = None
    evidence_received: frozenset[str] = frozenset()
    assessment: str | None = None
    proposed_compensation: Decimal | None = None
    context: tuple[Turn, ...] = ()  # the conversation before the message, oldest first (sent by the caller)
    chosen: str | None = None  # the intent the agent picked
    attachments: tuple[str, ...] = ()  # the kinds of the buyer's files with the message (image, video, file)


MESSAGE_SCOPE = "suggest-message"  # the idempotency records of chat clients' message ids


def message_owner(shop_id: str) -> str:
    """Whose a message id's record is: the shop's, so that every key and the Chatwoot notes share it."""
    return f"shop:{shop_id}"


def message_key(conversation_id: str | None, case_id: int | None, message_id: str, intent: str | None) -> str:
    """The record key of a chat client's message id (one record per shop, conversation and message, whoever
    sends it: the sidebar of any agent, or the Chatwoot notes), within the header's length whatever the ids."""
    named = f"{conversation_id or ''}\n{case_id or ''}\n{message_id}\n{intent or ''}"
    return hashlib.sha256(named.encode()).hexdigest()


def check(engine: Engine, body: SuggestRequest) -> Ask:
    """422 for evidence the vocabulary does not know, an intent the content does not have, and an order
    context that cannot happen."""
    unknown = [i for i, e in enumerate(body.evidence_received) if e not in engine.catalog.vocabulary.evidence]
    if unknown:  # named by position: an error never echoes what the client sent (it may be personal data)
        raise FieldError.many(
            [(f"body.evidence_received.{i}", "未知的凭证 unknown evidence id; see GET /v1/intents") for i in unknown],
            code="unknown_evidence",
        )
    if body.intent is not None and body.intent not in engine.catalog.flows:
        raise FieldError("body.intent", "未知的意图 unknown intent; see GET /v1/intents", code="unknown_intent")
    now = (body.now or datetime.now(SHOP_TZ)).astimezone(SHOP_TZ)
    order = _order(body.order, engine.policies.tracking)
    problems = inconsistencies(order, now)
    if problems:
        raise FieldError.many([(f"body.{p.field}", p.message) for p in problems], code="impossible_order")
    return Ask(
        body.message,
        order,
        now,
        order_id=body.order.id if body.order else None,
        evidence_received=frozenset(body.evidence_received),
        assessment=body.assessment,
        proposed_compensation=body.proposed_compensation,
        context=tuple(Turn(Role(c.role), c.text, c.at) for c in body.context),
        chosen=body.intent,
        attachments=tuple(a.type for a in body.attachments),
    )


def suggest(engine: Engine, ask: Ask, shop_id: str | None) -> Suggestion:
    """The suggestion for the message and what the request says is known; nothing is recorded."""
    triage = _triage(engine, ask, ask.context)
    _count(triage)
    return _advise(engine, triage, ask, shop_id)


def cases_shop(principal: Principal, body: SuggestRequest) -> str | None:
    """The shop of the cases a suggestion is recorded on: a pinned case brings its own (its scope is checked
    when it is read), else the key's, so that a key for several shops that names none never writes into the
    shared default shop (422 shop_required). A key whose role may not record on cases is refused here (403),
    for the single route and each item of a batch alike."""
    if not principal.can(Permission.cases_write):
        raise Forbidden(
            f"此密钥的角色({principal.role.value})不能记录案件 role '{principal.role.value}' may not "
            "record on cases; leave out conversation_id and case_id"
        )
    return None if body.case_id is not None else case_shop(principal, body.shop_id)


def suggest_in_case(
    s: Session,
    engine: Engine,
    ask: Ask,
    *,
    shop_id: str | None,
    shop_ids: tuple[str, ...] | None,
    conversation_id: str | None,
    case_id: int | None,
    memory_hours: float = 24.0,
) -> tuple[Suggestion, list[CaseRef]]:
    """The suggestion that continues the conversation's cases, recorded on them (see casebook.py). With a
    conversation, its recent turns are remembered: the context when the caller sends none."""
    book = CaseBook(
        s,
        ask.now,
        shop_id=shop_id,
        shop_ids=shop_ids,
        conversation_id=conversation_id,
        case_id=case_id,
        order_id=ask.order_id,
    )

    talk = book.conversation_id
    context = ask.context
    if talk is not None and not context:
        context = tuple(conversations.recall(s, book.shop, talk, ask.now, memory_hours))
    triage = _triage(engine, ask, context, continuing=book.fallback_intent())
    _count(triage)
    # The case of each intent to answer, found or opened before the engine builds on what the cases hold.
    states = {}
    for intent in triage.intents:
        case = book.case_for(intent)
        if not book.opened(intent):  # a case already under way: the buyer's reply may move it on
            _take_reply(s, engine, case, ask, book.shop)
        states[intent] = case_state(case)
    result = _advise(engine, triage, ask, book.shop, cases=states)
    refs = book.record(result, ask.message, ask.attachments)
    if talk is not None:
        said = [(Role.BUYER, ask.message)]
        if triage.question is not None:  # what the agent is about to ask: the buyer's next message answers it
            said.append((Role.AGENT, triage.question.text))
        conversations.remember(s, book.shop, talk, said, ask.now, memory_hours)
    s.flush()  # ids and versions for the answer
    return result, refs


def preview(engine: Engine, message: str, order: Order, shop_id: str | None) -> Suggestion:
    """What an editor sees for a message on the preview page: now, nothing else known, nothing recorded."""
    ask = Ask(message, order, datetime.now(SHOP_TZ))
    return _advise(engine, _triage(engine, ask, ()), ask, shop_id)


def refund_quote(body: RefundQuoteRequest) -> Quote:
    """The largest refund for part of an order; a discount combination the seed does not cover is a 422."""
    try:
        return quote(
            [QuoteItem(i.id, i.price, i.quantity) for i in body.items],
            body.postage,
            [Discount(d.type, d.amount) for d in body.discounts],
            body.refund_items,
        )
    except NotCovered as exc:
        raise FieldError(f"body.{exc.field}", str(exc), code="not_covered") from exc


def _take_reply(s: Session, engine: Engine, case: Case, ask: Ask, shop_id: str) -> None:
    """Evidence the message brings ("照片发你了", a picture) and the buyer's yes to the remedy the case's
    current script proposed, recorded on the case before the engine advises on it."""
    proposed: frozenset[str] = frozenset()
    # The offer a yes answers is the step the agent sees now (the cockpit's current script): after the agent
    # records a judgement that step has moved on from the last script shown in the conversation.
    shown, flow = cockpit.current(s, engine, case, ask.now)
    branch = flow.by_script(shown.scripts[0].script_id) if flow is not None and shown.scripts else None
    if branch is not None:
        proposed = branch.proposed_remedies
        before = cases.latest_agreement(s, case)
        if before is not None and before.data.get("branch") == branch.script_id:
            proposed = frozenset()  # once per proposal: a later "好的" is not a second agreement
    reply = engine.reply(ask.message, ask.attachments, cases.waiting_evidence(case), proposed)
    cases.take_reply(
        s,
        case,
        ask.now,
        evidence=reply.evidence,
        via="attachment" if ask.attachments else "message",
        agreed=reply.agreement is not None,
        remedy=reply.agreement.remedy if reply.agreement is not None else None,
        branch=branch.script_id if branch is not None else case.branch,
    )


def _triage(engine: Engine, ask: Ask, context: tuple[Turn, ...], continuing: str | None = None) -> Triage:
    return engine.triage(ask.message, context=context, continuing=continuing, order=ask.order, chosen=ask.chosen)


def _count(triage: Triage) -> None:
    """The decision in the metrics (app/metrics.py), by its best intent: a buyer's suggestion, never a preview."""
    best = triage.match.best
    count_outcome(triage.match.status.value, best.intent if best is not None else "none")


def _advise(
    engine: Engine,
    triage: Triage,
    ask: Ask,
    shop_id: str | None,
    *,
    cases: Mapping[str, CaseState] | None = None,
) -> Suggestion:
    return engine.advise(
        triage,
        cases=cases,
        order=ask.order,
        evidence_received=ask.evidence_received,
        assessment=ask.assessment,
        shop_id=shop_id,
        proposed_compensation=ask.proposed_compensation,
        now=ask.now,
    )


def _order(o: OrderContext | None, table: TrackingFile) -> Order:
    if o is None:
        return Order()
    status = OrderStatus(o.status) if o.status else None
    signed_by = Signer(o.signed_by) if o.signed_by else None
    tracking = o.tracking()
    if tracking is not None:
        state = table.state(*tracking)
        if state is None:  # named, never echoed: the request's text stays out of errors
            known = ", ".join(sorted(table.providers)) or "none"
            what = (
                "未知的物流平台 unknown provider" if tracking[0] not in table.providers else "未知的状态码 unknown code"
            )
            raise FieldError(
                "body.order.tracking_state",
                f"{what}; 见 policy/tracking_states.yaml (providers: {known})",
                code="unknown_tracking_state",
            )
        status, signed_by = with_tracking(status, signed_by, state.status, state.signed_by)
    return Order(
        status=status,
        paid_at=o.paid_at,
        shipped_at=o.shipped_at,
        last_tracking_at=o.last_tracking_at,
        signed_at=o.signed_at,
        signed_by=signed_by,
        shipping_insurance=o.shipping_insurance,
        amount=o.amount,
        items=tuple(Item(i.price, i.quantity, i.id, i.name) for i in o.items),
        coupons=tuple(o.coupons),
    )
