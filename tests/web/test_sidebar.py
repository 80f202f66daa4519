"""The sidebar in a real browser: from a buyer message in the demo host to a recorded case action."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.settings import PROJECT_ROOT

SCREENSHOT = PROJECT_ROOT / ".cache" / "e2e-demo.png"  # ignored by git, left for a person to look at


def sign_in(page, server: str, key: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/editor/login")
    page.fill("#key", key)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{server}/editor/preview")


def send(page, text: str) -> None:
    page.fill("#buyer", text)
    page.click("#send")


def test_demo_end_to_end(server, page, agent_key):
    page.goto(f"{server}/demo#key={agent_key}")
    sidebar = page.frame_locator("#sidebar")
    send(page, "亲 收到的杯子碎了 /:Q")
    # The sidebar shows what the buyer wants and the script to send.
    expect(sidebar.locator("#intents .intent")).to_contain_text("破损")
    expect(sidebar.locator("#script-id")).to_have_text("damaged.ask_evidence")
    script = sidebar.locator("#script").input_value()
    assert "面单" in script
    expect(sidebar.locator("#case")).to_contain_text("案件 #")
    # One click inserts it into the host's reply box.
    sidebar.locator("#insert").click()
    # Wait on the DOM: wait_for_function would poll with eval, which the page's CSP rightly forbids.
    expect(page.locator("#reply")).to_have_value(script)
    assert page.evaluate("window.__inserted") == script
    # Tick evidence off and record an action; both appear in the case timeline.
    sidebar.locator('input[data-evidence="box_photos"]').check()
    expect(sidebar.locator("#timeline")).to_contain_text("凭证已收到")
    sidebar.locator("#note-text").fill("买家说杯子是摔碎的")
    sidebar.locator("#note-add").click()
    expect(sidebar.locator("#timeline")).to_contain_text("备注:买家说杯子是摔碎的")
    expect(sidebar.locator("#timeline")).to_contain_text("使用话术")
    # The script's promised deadline is the case's follow-up, counting down.
    expect(sidebar.locator("#follow-ups li.follow-up").first).to_contain_text("还剩")
    expect(sidebar.locator("#deadlines-box")).to_be_hidden()
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000


def test_unfilled_placeholder_blocks_insertion(server, page, agent_key):
    page.goto(f"{server}/demo#key={agent_key}")
    sidebar = page.frame_locator("#sidebar")
    send(page, "杯子碎了")
    expect(sidebar.locator("#script-id")).to_have_text("damaged.ask_evidence")
    sidebar.locator("#script").fill("亲,给您补偿【金额】元")
    expect(sidebar.locator("#placeholder-warning")).to_be_visible()
    sidebar.locator("#insert").click()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__inserted") is None
    sidebar.locator("#script").fill("亲,给您补偿10元")
    sidebar.locator("#insert").click()
    expect(page.locator("#reply")).to_have_value("亲,给您补偿10元")


def test_a_late_answer_of_the_case_does_not_wipe_what_the_agent_is_typing(server, page, agent_key):
    """After a suggestion the sidebar reads the case's next steps; when that answer comes after the agent began
    editing the card, their text stays. A click of their own on the case still shows the new step's script."""
    import time

    def slow_next(route):  # type: ignore[no-untyped-def]
        time.sleep(0.8)
        route.continue_()

    page.route("**/v1/cases/*/next", slow_next)
    page.goto(f"{server}/demo#key={agent_key}")
    sidebar = page.frame_locator("#sidebar")
    send(page, "杯子碎了")
    expect(sidebar.locator("#script-id")).to_have_text("damaged.ask_evidence")
    sidebar.locator("#script").fill("亲,我先看看照片哈")
    expect(sidebar.locator("#cockpit")).to_be_visible(timeout=10_000)  # /next has answered
    page.wait_for_timeout(300)
    expect(sidebar.locator("#script")).to_have_value("亲,我先看看照片哈")


def test_ambiguous_and_no_intent_are_shown(server, page, agent_key):
    page.goto(f"{server}/sidebar?message=" + "在吗" + f"#token={agent_key}")
    expect(page.locator("#intents")).to_contain_text("无售后意图")


def test_messages_from_other_origins_are_ignored(server, page, agent_key):
    page.goto(f"{server}/sidebar#token={agent_key}")
    page.evaluate("""window.dispatchEvent(new MessageEvent('message', {origin: 'https://evil.example',
                     data: {type: 'buyer_message', message: '杯子碎了'}}))""")
    page.wait_for_timeout(500)
    expect(page.locator("#result")).to_be_hidden()
    page.evaluate("""window.dispatchEvent(new MessageEvent('message', {origin: window.location.origin,
                     data: {type: 'buyer_message', message: '杯子碎了'}}))""")
    expect(page.locator("#intents")).to_contain_text("破损")


@pytest.mark.parametrize(
    "evil",
    [
        "<img src=x onerror=alert(1)> 杯子碎了",
        "</script><script>alert(1)</script> 杯子碎了",
        '"><svg onload=alert(1)> 快递到哪了',
    ],
)
def test_buyer_text_never_executes(server, page, evil, agent_key, editor_key):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{server}/demo#key={agent_key}")
    send(page, evil)
    sidebar = page.frame_locator("#sidebar")
    expect(sidebar.locator("#result")).to_be_visible()
    expect(page.locator("#messages li").last).to_have_text(evil)  # shown as text, not markup
    page.goto(f"{server}/sidebar?message=" + evil.replace("#", "%23").replace("&", "%26") + f"#token={agent_key}")
    expect(page.locator("#result")).to_be_visible()
    sign_in(page, server, editor_key)
    page.goto(f"{server}/editor/preview?message=" + evil.replace("#", "%23").replace("&", "%26"))
    expect(page.locator("#message")).to_have_value(evil)
    assert dialogs == []


def test_sidebar_framing_and_origin_headers(client):
    r = client.get("/sidebar")
    assert "frame-ancestors 'self'" in r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in client.get("/demo").headers["content-security-policy"]
    assert "frame-ancestors 'none'" in client.get("/editor/preview").headers["content-security-policy"]
    cross = client.post("/v1/suggest", json={"message": "杯子碎了"}, headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403 and cross.json()["error"]["code"] == "forbidden_origin"
    assert client.post("/v1/suggest", json={"message": "杯子碎了"}).status_code == 200  # bots send no Origin


def test_token_travels_in_a_header_never_a_cookie(server, page, agent_key):
    seen: list[dict] = []
    page.on("request", lambda r: seen.append(r.headers) if "/v1/" in r.url else None)
    page.goto(f"{server}/sidebar#token={agent_key}")
    page.evaluate("""window.dispatchEvent(new MessageEvent('message', {origin: window.location.origin,
                     data: {type: 'buyer_message', message: '杯子碎了', conversation_id: 'tok-1'}}))""")
    expect(page.locator("#intents")).to_contain_text("破损")
    assert seen and all(h.get("authorization") == f"Bearer {agent_key}" and "cookie" not in h for h in seen)


def test_without_a_key_the_sidebar_says_so(server, page, agent_key):
    page.goto(f"{server}/sidebar?message=" + "杯子碎了")
    expect(page.locator("#toast")).to_contain_text("API 密钥")
    expect(page.locator("#result")).to_be_hidden()


def test_editor_signs_in_once_with_a_page_cookie(server, page, editor_key):
    page.goto(f"{server}/editor/preview?message=杯子碎了")
    expect(page).to_have_url(f"{server}/editor/login")  # no key yet: sent to sign in, not shown a JSON 401
    page.fill("#key", "shk_000000000000_" + "x" * 43)
    page.click("button[type=submit]")
    expect(page.locator(".error")).to_be_visible()
    sign_in(page, server, editor_key)
    page.goto(f"{server}/editor/preview?message=杯子碎了")
    expect(page.locator("body")).to_contain_text("damaged.ask_evidence")
    cookie = next(c for c in page.context.cookies() if c["name"] == "shouhou_editor")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/editor"
    assert (
        cookie["value"] not in editor_key and editor_key.split("_", 2)[2] not in cookie["value"]
    )  # a session, not the key
    page.click("#logout button")
    expect(page).to_have_url(f"{server}/editor/login")
    page.goto(f"{server}/editor/preview?message=杯子碎了")
    expect(page).to_have_url(f"{server}/editor/login")  # signed out: the session is gone


def test_chatwoot_app_context_and_buyer_name(server, page, agent_key):
    page.goto(f"{server}/sidebar#token={agent_key}")
    page.evaluate("""window.dispatchEvent(new MessageEvent('message', {origin: window.location.origin,
        data: JSON.stringify({event: 'appContext', data: {contact: {name: '王女士'},
              conversation: {id: 42, messages: [{message_type: 0, content: '我要投诉 客服态度太差'}]}}})}))""")
    expect(page.locator("#intents")).to_contain_text("投诉")
    expect(page.locator("#case")).to_contain_text("案件 #")


def test_missing_placeholders_are_named(server, page, agent_key):
    page.goto(f"{server}/sidebar?message=" + "杯子碎了" + f"#token={agent_key}")
    expect(page.locator("#script-id")).to_have_text("damaged.ask_evidence")
    page.locator("#script").fill("亲,给您补偿【金额】元,单号【快递单号】")
    expect(page.locator("#placeholder-warning")).to_contain_text("【金额】、【快递单号】")


def test_unsure_shows_the_question_and_the_agent_picks_the_intent(server, page, agent_key, engine):
    from tests.suggest.test_context import an_ambiguous_pair

    message, pair = an_ambiguous_pair(engine)
    page.goto(f"{server}/sidebar#token={agent_key}")
    page.evaluate(
        """m => window.dispatchEvent(new MessageEvent('message', {origin: window.location.origin,
           data: {type: 'buyer_message', message: m, conversation_id: 'pick-' + Date.now()}}))""",
        message,
    )
    expect(page.locator("#intents")).to_contain_text("不确定")
    expect(page.locator("#script-name")).to_contain_text("先问清楚")
    question = page.locator("#script").input_value()
    assert question and not any(p in question for p in ("给您补发", "给您退款", "马上退款", "给您补偿"))
    expect(page.locator("#case")).to_have_text("")  # no case for a question
    expect(page.locator("button.pick")).to_have_count(2)
    page.locator(f'button.pick[data-intent="{pair[1]}"]').click()
    expect(page.locator("#script-id")).to_contain_text(pair[1] + ".")
    expect(page.locator("#case")).to_contain_text("案件 #")
    page.screenshot(path=str(PROJECT_ROOT / ".cache" / "e2e-clarify.png"))


def test_chatwoot_messages_become_the_context(server, page, agent_key):
    page.goto(f"{server}/sidebar#token={agent_key}")
    page.evaluate("""window.dispatchEvent(new MessageEvent('message', {origin: window.location.origin,
        data: JSON.stringify({event: 'appContext', data: {contact: {name: '李先生'},
              conversation: {id: 4242, messages: [
                {message_type: 0, content: '在吗'},
                {message_type: 1, content: '亲,请问有什么可以帮您?'},
                {message_type: 0, content: '我的快递'},
                {message_type: 1, content: '内部备注', private: true},
                {message_type: 0, content: '三天了'}]}}})}))""")
    expect(page.locator("#intents")).to_contain_text("催件")
