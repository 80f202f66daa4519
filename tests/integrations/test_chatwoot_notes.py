"""Suggestions as Chatwoot private notes, end to end on a real server and a fake Chatwoot (a real HTTP server
answering the documented Application API), on SQLite and PostgreSQL: one note per buyer message however often
it is delivered, nothing for other messages, 401 for bad signatures, retries with backoff, and an answer
within a second while Chatwoot is slow."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.cases.models import Case, CaseEvent
from app.db.session import Database
from app.integrations.chatwoot import repository, service, worker
from app.integrations.chatwoot.models import ChatwootNote
from app.integrations.chatwoot.payload import BuyerMessage, read
from app.main import create_app
from app.settings import Settings
from tests.conftest import TEST_SETTINGS, auth, free_port, make_key, run_server
from tests.dbs import fresh_database
from tests.integrations.chatwoot_helpers import SECRET, body_of, message, new_id, signed, wait_for
from tests.integrations.fake_chatwoot import FakeChatwoot

RETRY = 0.3  # CHATWOOT_RETRY_SECONDS of these servers: the first wait, then 0.6 s …


@dataclass
class Instance:
    url: str
    app: Any
    server: Any

    def post(self, payload: dict[str, Any], headers: dict[str, str] | None = None, body: bytes | None = None):  # type: ignore[no-untyped-def]
        raw = body if body is not None else body_of(payload)
        return httpx.post(
            f"{self.url}/integrations/chatwoot/webhook", content=raw, headers=headers or signed(raw), timeout=10
        )

    def stop(self) -> None:
        self.server.should_exit = True
        note_worker = getattr(self.app.state, "chatwoot_worker", None)
        if note_worker is not None and note_worker._thread is not None:
            wait_for(lambda: not note_worker._thread.is_alive(), 20)


def start(engine, database, fake_url: str, **overrides: Any) -> Instance:  # type: ignore[no-untyped-def]
    port = free_port()
    chosen = {
        "chatwoot_url": fake_url,
        "chatwoot_api_token": "cw-token",
        "chatwoot_shops": "1:shop-cw,2:shop-cw2,2/70:shop-cw2-inbox",
        "chatwoot_webhook_secret": SECRET,
        "chatwoot_retry_seconds": RETRY,
        **TEST_SETTINGS,
        **overrides,
    }
    app = create_app(Settings(port=port, **chosen), engine, database)
    return Instance(f"http://127.0.0.1:{port}", app, run_server(app, port))


@pytest.fixture
def fake() -> Iterator[FakeChatwoot]:
    f = FakeChatwoot()
    f.url = f.start()  # type: ignore[attr-defined]
    yield f
    f.stop()


@pytest.fixture
def cw(engine, database, fake, monkeypatch) -> Iterator[Instance]:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(worker, "POLL_SECONDS", 0.05)  # retries are due within tenths of seconds here
    instance = start(engine, database, fake.url)
    yield instance
    instance.stop()


def settled(database, account: int, message_id: int) -> ChatwootNote:  # type: ignore[no-untyped-def]
    """The row once the worker is done with it (Chatwoot may have the note a moment before the row says so)."""
    wait_for(lambda: (note_row(database, account, message_id) or ChatwootNote(status="pending")).status != "pending")
    row = note_row(database, account, message_id)
    assert row is not None
    return row


def note_row(database, account: int, message_id: int) -> ChatwootNote | None:  # type: ignore[no-untyped-def]
    with database.unit_of_work() as s:
        return s.scalars(
            select(ChatwootNote).where(ChatwootNote.account_id == account, ChatwootNote.message_id == message_id)
        ).first()


def test_a_buyer_message_gets_one_private_note_even_when_delivered_twice(cw, fake, database):
    payload = message()
    conversation = payload["conversation"]["id"]
    first = cw.post(payload)
    assert first.status_code == 202 and first.json() == {"status": "queued", "reason": None}
    again = cw.post(payload)  # Chatwoot's retry of the same message: a new delivery, newly signed
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    wait_for(lambda: fake.notes_in(1, conversation))
    time.sleep(0.5)
    notes = fake.notes_in(1, conversation)
    assert len(notes) == 1
    sent = notes[0]
    assert sent.token == "cw-token"
    assert sent.body["private"] is True and sent.body["message_type"] == "outgoing"
    text = sent.body["content"]
    assert text.startswith("**售后助手建议** · 破损")
    assert "`damaged.ask_evidence`" in text and "请买家提供" in text and "时限" in text
    assert "案件 #" in text and "(新开)" in text
    assert "杯子碎了" not in text  # the buyer's own words are not repeated in the note
    row = settled(database, 1, payload["id"])
    assert row.status == "posted" and row.attempts == 1 and row.content is None
    assert row.chatwoot_note_id is not None and row.shop_id == "shop-cw"


def test_the_conversation_is_keyed_by_account_and_conversation(cw, fake, database):
    conversation = new_id()
    cw.post(message(conversation=conversation))
    wait_for(lambda: fake.notes_in(1, conversation))
    # The same display id in another account is another conversation, of that account's shop (inbox 70: its own).
    cw.post(message(account=2, inbox=70, conversation=conversation))
    wait_for(lambda: fake.notes_in(2, conversation))
    # A picture in the first conversation continues its case (memory and cases keyed chatwoot-1-<id>).
    later = message(conversation=conversation, content="", attachments=[{"file_type": "image", "id": 1}])
    assert cw.post(later).status_code == 202
    wait_for(lambda: len(fake.notes_in(1, conversation)) == 2)
    with database.unit_of_work() as s:
        cases = s.scalars(select(Case).where(Case.conversation_id.like(f"chatwoot-%-{conversation}"))).all()
        found = sorted((c.shop_id, c.conversation_id) for c in cases)
    assert found == [("shop-cw", f"chatwoot-1-{conversation}"), ("shop-cw2-inbox", f"chatwoot-2-{conversation}")]
    assert "(新开)" not in fake.notes_in(1, conversation)[1].body["content"]


def test_a_greeting_gets_no_note_and_the_burst_is_read_together(cw, fake, database):
    conversation = new_id()
    hello = message(conversation=conversation, content="在吗")
    assert cw.post(hello).status_code == 202
    row = settled(database, 1, hello["id"])
    assert row.status == "skipped" and row.content is None
    broken = message(conversation=conversation, content="收到的杯子碎了")
    assert cw.post(broken).status_code == 202
    wait_for(lambda: fake.notes_in(1, conversation))
    assert len(fake.notes_in(1, conversation)) == 1 and "破损" in fake.notes_in(1, conversation)[0].body["content"]


@pytest.mark.parametrize(
    "fields,reason",
    [
        ({"message_type": "outgoing", "sender": {"id": 5, "type": "user"}}, "not_incoming"),
        ({"private": True}, "private_note"),
        ({"event": "message_updated"}, "other_event"),
        ({"event": "conversation_created"}, "other_event"),
        ({"sender": {"id": 9, "type": "agent_bot"}}, "not_from_contact"),
    ],
)
def test_other_messages_and_events_get_no_note(cw, fake, database, fields, reason):
    payload = message(**fields)
    r = cw.post(payload)
    assert r.status_code == 200 and r.json() == {"status": "ignored", "reason": reason}
    assert note_row(database, 1, payload["id"]) is None
    time.sleep(0.2)
    assert not fake.notes_in(1, payload["conversation"]["id"])


def test_one_secret_per_account_and_an_unmapped_account(engine, database, fake):
    instance = start(engine, database, fake.url, chatwoot_webhook_secret=f"1:{SECRET},2:secret-two,99:secret-99")
    try:
        theirs = message(account=2, inbox=71)
        raw = body_of(theirs)
        assert instance.post(theirs, headers=signed(raw)).status_code == 401  # account 1's secret, account 2's body
        assert instance.post(theirs, headers=signed(raw, secret="secret-two")).status_code == 202
        unknown = message(account=3)  # no secret for it: refused, whatever the signature
        assert instance.post(unknown).status_code == 401
        unmapped = message(account=99)  # signed, but no shop for it in CHATWOOT_SHOPS
        r = instance.post(unmapped, headers=signed(body_of(unmapped), secret="secret-99"))
        assert r.status_code == 200 and r.json() == {"status": "ignored", "reason": "unmapped"}
        assert note_row(database, 99, unmapped["id"]) is None
        wait_for(lambda: fake.notes_in(2, theirs["conversation"]["id"]))
    finally:
        instance.stop()


@pytest.mark.parametrize("problem", ["unsigned", "wrong secret", "stale", "tampered", "future", "unsigned garbage"])
def test_a_bad_signature_is_refused(cw, fake, database, problem):
    payload = message()
    raw = body_of(payload)
    headers = {
        "unsigned": {"Content-Type": "application/json"},
        "wrong secret": signed(raw, secret="not-the-secret"),
        "stale": signed(raw, at=time.time() - 600),
        "future": signed(raw, at=time.time() + 600),
        "tampered": signed(raw),
        "unsigned garbage": {"Content-Type": "application/json"},
    }[problem]
    if problem == "unsigned garbage":  # refused for its signature before its body is read: 401, not 400
        raw = b"{not json"
    if problem == "tampered":
        raw = raw.replace("杯子".encode(), "盘子".encode())
    r = cw.post(payload, headers=headers, body=raw)
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_signature"
    assert note_row(database, 1, payload["id"]) is None


def test_retries_with_backoff_after_chatwoots_500s(cw, fake, database):
    fake.fail_next = 3
    payload = message()
    conversation = payload["conversation"]["id"]
    assert cw.post(payload).status_code == 202
    wait_for(lambda: fake.notes_in(1, conversation), 20)
    mine = fake.attempts[-4:]  # three 500s, then the note
    gaps = [b - a for a, b in zip(mine, mine[1:], strict=False)]
    assert gaps[0] >= RETRY * 0.9 and gaps[1] >= 2 * RETRY * 0.9 and gaps[2] >= 4 * RETRY * 0.9, gaps
    # Lower bounds only: the schedule guarantees them; a loaded machine can only add to each wait.
    row = settled(database, 1, payload["id"])
    assert row.status == "posted" and row.attempts == 4
    assert len(fake.notes_in(1, conversation)) == 1


def test_a_refusal_from_chatwoot_is_not_retried(cw, fake, database):
    fake.fail_next, fake.fail_status = 1, 404  # e.g. the conversation was deleted
    payload = message()
    assert cw.post(payload).status_code == 202
    row = settled(database, 1, payload["id"])
    assert row.status == "failed" and row.attempts == 1 and "404" in (row.last_error or "")
    time.sleep(0.3)
    assert not fake.notes_in(1, payload["conversation"]["id"])


def test_the_webhook_answers_within_a_second_while_chatwoot_is_slow(cw, fake):
    with httpx.Client(base_url=cw.url, timeout=10) as chatwoot:  # one connection, as Chatwoot's pool keeps one

        def deliver(payload: dict[str, Any]) -> float:
            raw = body_of(payload)
            started = time.monotonic()
            r = chatwoot.post("/integrations/chatwoot/webhook", content=raw, headers=signed(raw))
            assert r.status_code == 202
            return time.monotonic() - started

        first = message()
        deliver(first)  # the process's first note: connections opened, statements compiled
        wait_for(lambda: fake.notes_in(1, first["conversation"]["id"]))
        fake.delay = 3.0  # from now on Chatwoot takes 3 s to answer each note
        slow = [message() for _ in range(3)]
        took = [deliver(p) for p in slow]  # the 2nd and 3rd arrive while the worker waits for Chatwoot
        assert max(took) < 1.0, took
        wait_for(lambda: all(fake.notes_in(1, p["conversation"]["id"]) for p in slow), 30)


def test_two_instances_post_one_note(engine, database, fake, monkeypatch):
    monkeypatch.setattr(worker, "POLL_SECONDS", 0.05)
    a, b = start(engine, database, fake.url), start(engine, database, fake.url)
    try:
        payloads = [message() for _ in range(5)]
        answers: list[int] = []

        def deliver(instance: Instance, payload: dict[str, Any]) -> None:
            answers.append(instance.post(payload).status_code)

        threads = [threading.Thread(target=deliver, args=(i, p)) for p in payloads for i in (a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(answers) == [200] * 5 + [202] * 5  # each message queued once, a duplicate at the other
        for p in payloads:
            wait_for(lambda p=p: fake.notes_in(1, p["conversation"]["id"]), 20)
        time.sleep(0.5)
        assert [len(fake.notes_in(1, p["conversation"]["id"])) for p in payloads] == [1] * 5
    finally:
        a.stop()
        b.stop()


def test_a_claimed_note_is_skipped_by_another_worker(tmp_path):
    """On PostgreSQL (its own database): SQLite has no row locks, its writers queue (BEGIN IMMEDIATE), and the
    test above covers it."""
    with fresh_database("postgresql", tmp_path) as url:
        database = Database(url)
        try:
            _claimed_note_is_skipped(database)
        finally:
            database.dispose()


def _claimed_note_is_skipped(database: Database) -> None:
    found = read(message())
    assert isinstance(found, BuyerMessage)
    with database.unit_of_work() as s:
        assert service.enqueue(s, found, "shop-cw", service.now())
    mine = note_row(database, 1, found.message_id)
    assert mine is not None
    with database.unit_of_work() as holding:  # a worker that claimed it and has not committed yet
        assert mine.id in [n.id for n in repository.claim_due(holding, service.now(), 1000)]
        with database.unit_of_work() as other:  # another worker meanwhile: skips it, does not wait for it
            started = time.monotonic()
            assert mine.id not in service.take_due(other, service.now(), 1000)
            assert time.monotonic() - started < 2
    with database.unit_of_work() as s:  # no later server of the suite is to post it
        s.get(ChatwootNote, mine.id).status = "failed"  # type: ignore[union-attr]


def test_without_chatwoot_url_the_route_is_404(client):
    r = client.post("/integrations/chatwoot/webhook", json=message())
    assert r.status_code == 404 and r.json()["error"]["code"] == "chatwoot_not_configured"


def test_the_configured_route_survives_generated_requests(engine, database, fake):
    """Schemathesis on the route with the integration on and no secret, so that every body is read (the suite's
    fuzzing runs with it off): no 5xx, documented statuses only, whatever the body and headers."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    instance = start(engine, database, fake.url, chatwoot_webhook_secret="")
    statuses: list[int] = []
    try:
        schema = schemathesis.openapi.from_dict(instance.app.openapi())
        label = "POST /integrations/chatwoot/webhook"
        operation = next(op.ok() for op in schema.get_all_operations() if op.ok().label == label)

        @given(case=operation.as_strategy())
        @settings(
            max_examples=80, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
        )
        def check(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call_and_validate(base_url=instance.url, excluded_checks=[positive_data_acceptance])
            statuses.append(response.status_code)

        check()
        # What a generator does not write: bodies that are not JSON, or JSON Python cannot parse.
        for raw in (b"{not json", b"\xff\xfe\x00", b"[" * 20000 + b"]" * 20000, b""):
            r = httpx.post(f"{instance.url}/integrations/chatwoot/webhook", content=raw, timeout=10)
            assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_json", raw[:10]
        for odd in (b"null", b"[]", b'"x"', b"5", b'{"event": "message_created", "account": {"id": true}}'):
            r = httpx.post(f"{instance.url}/integrations/chatwoot/webhook", content=odd, timeout=10)
            assert r.status_code == 200 and r.json()["status"] == "ignored"
        nul = message(content="杯子\u0000碎了")
        assert instance.post(nul, headers={"Content-Type": "application/json"}).status_code == 202
        wait_for(lambda: fake.notes_in(1, nul["conversation"]["id"]))
    finally:
        instance.stop()
    assert {200, 202} <= set(statuses), sorted(set(statuses))  # the generated bodies were read, some queued


def test_settled_notes_are_forgotten_after_thirty_days(database):
    found = read(message())
    assert isinstance(found, BuyerMessage)
    long_ago = service.now() - service.KEPT - timedelta(hours=1)
    with database.unit_of_work() as s:
        assert service.enqueue(s, found, "shop-cw", long_ago)
    with database.unit_of_work() as s:
        service.purge(s, service.now())
    assert note_row(database, 1, found.message_id) is not None  # pending: kept, whatever its age
    with database.unit_of_work() as s:
        s.scalars(select(ChatwootNote).where(ChatwootNote.message_id == found.message_id)).one().status = "posted"
    with database.unit_of_work() as s:
        assert service.purge(s, service.now()) >= 1
    assert note_row(database, 1, found.message_id) is None


def test_a_message_the_sidebar_recorded_is_recorded_once_and_noted_alike(cw, fake, database):
    """The sidebar (any agent's key) and the notes key a Chatwoot message the same way (/v1/suggest's message_id):
    whichever asks first records it, the other gets that answer."""
    payload = message()
    conversation = payload["conversation"]["id"]
    key = make_key(database, "agent", ("shop-cw",))
    sidebar = httpx.post(
        f"{cw.url}/v1/suggest",
        json={
            "message": payload["content"],
            "conversation_id": f"chatwoot-1-{conversation}",
            "message_id": str(payload["id"]),
            "shop_id": "shop-cw",
        },
        headers=auth(key),
        timeout=10,
    )
    assert sidebar.status_code == 200, sidebar.text
    case_id = sidebar.json()["cases"][0]["id"]
    assert cw.post(payload).status_code == 202
    wait_for(lambda: fake.notes_in(1, conversation))
    text = fake.notes_in(1, conversation)[0].body["content"]
    assert f"案件 #{case_id}(新开)" in text  # the sidebar's answer, replayed: its case, opened by that request
    with database.unit_of_work() as s:
        received = s.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.type == "message_received")
        ).all()
    assert len(received) == 1
