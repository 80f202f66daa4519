"""The pure parts: Chatwoot's signature scheme and which payloads are a buyer's message."""

from __future__ import annotations

import hashlib
import hmac

from app.integrations.chatwoot.payload import BuyerMessage, Ignored, read
from app.integrations.chatwoot.signature import secret_for, sign, verify
from tests.integrations.chatwoot_helpers import PAYLOAD, body_of, message


def test_the_signature_is_chatwoots_timestamp_dot_body_hmac():
    body = body_of(PAYLOAD)
    expected = "sha256=" + hmac.new(b"s", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign("s", "1700000000", body) == expected
    assert verify("s", "1700000000", expected, body, now=1700000100)
    # the body alone signed (not Chatwoot's scheme), another secret, another body, a stale or future time
    wrong = "sha256=" + hmac.new(b"s", body, hashlib.sha256).hexdigest()
    assert not verify("s", "1700000000", wrong, body, now=1700000000)
    assert not verify("t", "1700000000", expected, body, now=1700000000)
    assert not verify("s", "1700000000", expected, body + b" ", now=1700000000)
    assert not verify("s", "1700000000", expected, body, now=1700000000 + 301)
    assert not verify("s", "1700000000", expected, body, now=1700000000 - 301)
    assert not verify("s", None, expected, body, now=1700000000)
    assert not verify("s", "1700000000", None, body, now=1700000000)
    assert not verify("s", "17e8", expected, body, now=1700000000)


def test_one_secret_or_one_per_account():
    assert secret_for("abc", 5) == "abc"
    assert secret_for("1:aaa, 2:bbb", 2) == "bbb"
    assert secret_for("1:aaa,2:bbb", 3) is None
    assert secret_for("", 1) is None


def test_only_a_contacts_public_incoming_message_is_read():
    found = read(message(account=3, inbox=9, conversation=77, message_id=555))
    assert found == BuyerMessage(3, 9, 77, 555, "亲 收到的杯子碎了 怎么办", ())
    assert read(message(event="message_updated")) == Ignored("other_event")
    assert read(message(message_type="outgoing")) == Ignored("not_incoming")
    assert read(message(message_type="activity")) == Ignored("not_incoming")
    assert read(message(private=True)) == Ignored("private_note")
    assert read(message(sender={"id": 1, "name": "客服", "type": "user"})) == Ignored("not_from_contact")
    assert read(message(sender={"id": 2, "name": "bot", "type": "agent_bot"})) == Ignored("not_from_contact")
    assert read(message(content="  ")) == Ignored("empty")
    assert read({**message(), "id": "9"}) == Ignored("missing_ids")
    assert read([1, 2]) == Ignored("not_an_object")
    pictures = read(message(content="", attachments=[{"file_type": "image"}, {"file_type": "audio"}]))
    assert isinstance(pictures, BuyerMessage) and pictures.attachments == ("image", "file")


def test_the_settings_read_from_the_environment(monkeypatch):
    from app.settings import InvalidSettings, Settings

    monkeypatch.setenv("CHATWOOT_URL", "https://chat.example.com/")
    monkeypatch.setenv("CHATWOOT_SHOPS", "1:shop-a, 1/7:shop-b,2:demo-shop")
    settings = Settings.from_env()
    assert settings.chatwoot_url == "https://chat.example.com"
    assert settings.chatwoot_shops == ((1, None, "shop-a"), (1, 7, "shop-b"), (2, None, "demo-shop"))
    for bad, name in (("CHATWOOT_SHOPS", "shop-a"), ("CHATWOOT_SHOPS", "1:shop a"), ("CHATWOOT_URL", "chat.example")):
        monkeypatch.setenv(bad, name)
        try:
            Settings.from_env()
        except InvalidSettings as exc:
            assert exc.lines[0].startswith(f"{bad}=")
        else:
            raise AssertionError(f"{bad}={name} accepted")
        monkeypatch.setenv("CHATWOOT_SHOPS", "1:shop-a")
        monkeypatch.setenv("CHATWOOT_URL", "https://chat.example.com")


def test_the_note_says_what_the_agent_needs_and_nothing_of_the_buyers(engine):
    from app.integrations.chatwoot.note import compose, worth_a_note
    from app.suggest import service
    from app.suggest.schemas import SuggestRequest
    from app.suggest.serialize import suggestion_out

    def suggestion(**body):  # type: ignore[no-untyped-def]
        return suggestion_out(service.suggest(engine, service.check(engine, SuggestRequest(**body)), "default"))

    over = suggestion(message="杯子碎了 补偿我50吧", proposed_compensation="50")
    text = compose(over)
    assert text.startswith("**售后助手建议** · 破损")
    assert "`damaged.ask_evidence`" in text and "**请买家提供:**" in text
    assert "**需要店长审批:** 50.00 元超过客服权限 30.00 元" in text  # above the agent's range: the 店长 decides
    assert "**时限:**" in text and "前:" in text
    assert "补偿我" not in text
    # A quoted script ends with a blank line: Chatwoot's markdown would otherwise pull the next line into it.
    lines = text.splitlines()
    assert all(
        lines[i + 1] in ("",) or lines[i + 1].startswith(">")
        for i, line in enumerate(lines[:-1])
        if line.startswith(">")
    )
    assert not worth_a_note(suggestion(message="好的谢谢"))
    assert worth_a_note(over)
