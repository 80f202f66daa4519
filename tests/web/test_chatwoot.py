"""The sidebar as a Chatwoot dashboard app, in Chromium: a host page on another site frames it exactly as
Chatwoot's DashboardApp/Frame.vue does (an <iframe> with an id and a src, no `allow` attribute) and posts
Chatwoot's own payloads (tests/data/chatwoot/, with the source files they were read from)."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from app.core.clock import SHOP_TZ
from app.main import create_app
from app.settings import PROJECT_ROOT, Settings
from tests.conftest import TEST_SETTINGS, free_port, make_key, run_server

# Chatwoot's page, served by a real server (Chromium's local-network checks refuse a routed page that frames a
# loopback address) on another site than the sidebar's (localhost, not 127.0.0.1) and, like an HTTPS Chatwoot, a
# secure context: the clipboard is refused for the frame's policy and nothing else.
CHATWOOT_PORT = free_port()
CHATWOOT = f"http://localhost:{CHATWOOT_PORT}"
DATA = PROJECT_ROOT / "tests" / "data" / "chatwoot"
SHOTS = PROJECT_ROOT / ".cache"
ACTOR = "小王 (chatwoot:7)"  # currentAgent {id: 7, name: "小王"}
CONVERSATION = "chatwoot-3-17"  # account 3, display id 17

# Frame.vue, as plain script: the iframe's load and the app's fetch-info string both post the context, a JSON
# string, to '*'. window.onmessage is Chatwoot's own handler; nothing else the app posts is listened to.
HOST = """<!doctype html><html><head><meta charset="utf-8"><title>Chatwoot</title>
<style>body{margin:0;display:flex;font:13px sans-serif}#messages{width:560px;padding:12px;background:#f4f6fb}
.dashboard-app--list iframe{border:0;width:440px;height:760px}</style></head><body>
<div id="messages"><b>Messages</b> · <b>售后助手</b> (dashboard app tab)</div>
<div class="dashboard-app--container"><div class="dashboard-app--list">
<iframe id="dashboard-app--frame-0-0" src="SIDEBAR"></iframe></div></div>
<script>
window.dashboardAppContext = CONTEXT;
window.fetchInfo = 0;
function onIframeLoad(index) {
  const frameElement = document.getElementById('dashboard-app--frame-0-' + index);
  const eventData = { event: 'appContext', data: window.dashboardAppContext };
  frameElement.contentWindow.postMessage(JSON.stringify(eventData), '*');
}
window.onmessage = e => {
  if (typeof e.data !== 'string' || e.data !== 'chatwoot-dashboard-app:fetch-info') return;
  window.fetchInfo += 1;
  onIframeLoad(0);
};
document.getElementById('dashboard-app--frame-0-0').addEventListener('load', () => onIframeLoad(0));
</script></body></html>"""


def payload(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))["data"]


@pytest.fixture(scope="module")
def app_server(engine, database) -> Iterator[str]:
    """The service with Chatwoot's origin allowed to frame the sidebar (SIDEBAR_ORIGINS)."""
    port = free_port()
    srv = run_server(create_app(Settings(port=port, sidebar_origins=CHATWOOT, **TEST_SETTINGS), engine, database), port)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True


class _Chatwoot(BaseHTTPRequestHandler):
    page = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(type(self).page)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def chatwoot() -> Iterator[type[_Chatwoot]]:
    httpd = ThreadingHTTPServer(("127.0.0.1", CHATWOOT_PORT), _Chatwoot)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield _Chatwoot
    httpd.shutdown()


def open_chatwoot(page, chatwoot, app_server: str, context: dict, token: str | None):  # type: ignore[no-untyped-def]
    """Chatwoot's page with the app's URL as an admin would configure it (the key only if given)."""
    src = f"{app_server}/sidebar?host_origin={CHATWOOT}" + (f"#token={token}" if token else "")
    html = HOST.replace("SIDEBAR", src).replace("CONTEXT", json.dumps(context, ensure_ascii=False))
    chatwoot.page = html.encode()
    page.goto(f"{CHATWOOT}/app/accounts/3/conversations/17")
    return page.frame_locator("#dashboard-app--frame-0-0")


def timeline(client, case_id: int) -> list[dict]:  # type: ignore[no-untyped-def]
    return client.get(f"/v1/cases/{case_id}/timeline").json()


def case_of(client, shop: str) -> dict:  # type: ignore[no-untyped-def]
    cases = client.get("/v1/cases", params={"shop_id": shop}).json()["cases"]
    assert len(cases) == 1, cases
    return cases[0]


def test_the_burst_is_judged_together_and_each_message_recorded_once(app_server, chatwoot, page, client, database):
    shop = f"cw-{uuid.uuid4().hex[:6]}"
    key = make_key(database, "bot", (shop,))  # the dashboard app's own key: a bot key for the one shop
    frame = open_chatwoot(page, chatwoot, app_server, payload("app_context_burst.json"), key)
    # "在吗" / "收到的杯子碎了" / "怎么办啊": 破损, its script, its case; not 无售后意图.
    expect(frame.locator("#intents")).to_contain_text("破损")
    expect(frame.locator("#intents")).not_to_contain_text("无售后意图")
    expect(frame.locator("#script-id")).to_have_text("damaged.ask_evidence")
    expect(frame.locator("#case")).to_contain_text("案件 #")
    # Chatwoot sends the context again (fetch-info, the app's own polling), and the agent reloads the page.
    page.evaluate("onIframeLoad(0)")
    page.evaluate("onIframeLoad(0)")
    page.wait_for_function("window.fetchInfo >= 1", timeout=15_000)  # the sidebar asked for it itself
    page.reload()
    expect(frame.locator("#script-id")).to_have_text("damaged.ask_evidence")
    page.evaluate("onIframeLoad(0)")
    page.wait_for_timeout(1500)
    case = case_of(client, shop)
    assert case["conversation_id"] == CONVERSATION
    types = [e["type"] for e in timeline(client, case["id"])]
    assert types.count("message_received") == 1 and types.count("suggestion_shown") == 1
    received = next(e for e in timeline(client, case["id"]) if e["type"] == "message_received")
    assert received["data"]["message"] == "在吗\n收到的杯子碎了\n怎么办啊"  # the burst, the private note left out
    now = datetime.now(SHOP_TZ)
    window = {"start": (now - timedelta(hours=1)).isoformat(), "end": (now + timedelta(hours=1)).isoformat()}
    stats = client.get("/v1/stats", params={**window, "shop_id": shop}).json()
    assert stats["by_intent"]["damaged"]["shown"] == 1
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "chatwoot-burst.png"))
    # The agent goes back to the Messages tab (Chatwoot hides the frame) and the buyer writes again: nothing is
    # asked for or counted as shown until the agent opens the app's tab again.
    page.evaluate("document.querySelector('.dashboard-app--container').style.display = 'none'")
    page.evaluate("c => { window.dashboardAppContext = c; }", payload("app_context_photo.json"))
    page.wait_for_timeout(6000)
    assert [e["type"] for e in timeline(client, case["id"])].count("message_received") == 1
    page.evaluate("document.querySelector('.dashboard-app--container').style.display = ''")
    expect(frame.locator("#timeline")).to_contain_text("凭证已收到", timeout=10_000)
    assert [e["type"] for e in timeline(client, case["id"])].count("message_received") == 2


def test_a_blocked_clipboard_asks_for_a_manual_copy_and_records_only_a_real_one(
    app_server, chatwoot, page, client, database
):
    shop = f"cw-{uuid.uuid4().hex[:6]}"
    key = make_key(database, "bot", (shop,))  # the dashboard app's own key: a bot key for the one shop
    frame = open_chatwoot(page, chatwoot, app_server, payload("app_context_burst.json"), key)
    expect(frame.locator("#script-id")).to_have_text("damaged.ask_evidence")
    frame.locator("#insert").click()
    # No `allow` on Chatwoot's iframe: the Clipboard API is refused, and Chatwoot ignores insert_reply.
    expect(frame.locator("#copy-help")).to_have_text("复制被浏览器拦截,已选中文字,请按 Ctrl+C")
    expect(frame.locator("#toast")).to_contain_text("复制被浏览器拦截")
    expect(frame.locator("#script")).to_be_focused()
    selected = frame.locator("#script").evaluate("b => b.value.slice(b.selectionStart, b.selectionEnd)")
    assert selected == frame.locator("#script").input_value() and "面单" in selected
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "chatwoot-copy-blocked.png"))
    page.wait_for_timeout(800)
    case = case_of(client, shop)
    assert "script_used" not in [e["type"] for e in timeline(client, case["id"])]
    # The agent's own Ctrl+C on the selected text is a real copy: recorded once, by Chatwoot's signed-in agent.
    page.keyboard.press("Control+C")
    expect(frame.locator("#copy-help")).to_be_hidden()
    expect(frame.locator("#timeline")).to_contain_text("使用话术")
    page.keyboard.press("Control+C")
    page.wait_for_timeout(500)
    used = [e for e in timeline(client, case["id"]) if e["type"] == "script_used"]
    assert len(used) == 1 and used[0]["actor"] == ACTOR and used[0]["data"]["via"] == "manual"


def test_the_buyers_photo_is_evidence_received_and_agents_sign_in_with_their_own_key(
    app_server, chatwoot, page, client, database
):
    shop = f"cw-{uuid.uuid4().hex[:6]}"
    key = make_key(database, "agent", (shop,))
    # No key in the app's URL: the agent signs in with their own key.
    frame = open_chatwoot(page, chatwoot, app_server, payload("app_context_burst.json"), None)
    expect(frame.locator("#signin")).to_be_visible()
    frame.locator("#signin-key").fill(key)
    frame.locator("#signin-go").click()
    expect(frame.locator("#signin")).to_be_hidden()
    expect(frame.locator("#toast")).to_contain_text("已登录")
    kept = "不允许" not in (frame.locator("#toast").text_content() or "")
    expect(frame.locator("#script-id")).to_have_text("damaged.ask_evidence")
    # The agent replied in Chatwoot and the buyer sent a photo (no text); the sidebar's next fetch-info gets it.
    page.evaluate("c => { window.dashboardAppContext = c; }", payload("app_context_photo.json"))
    expect(frame.locator("#timeline")).to_contain_text("凭证已收到", timeout=15_000)
    case = case_of(client, shop)
    received = [e for e in timeline(client, case["id"]) if e["type"] == "message_received"]
    assert [e["data"].get("attachments") for e in received] == [None, ["image"]]
    detail = client.get(f"/v1/cases/{case['id']}").json()
    assert any(e["received_at"] for e in detail["evidence"])
    page.screenshot(path=str(SHOTS / "chatwoot-photo.png"))
    # Kept for Chatwoot's site where the browser lets a framed page store it; where it does not (third-party
    # cookies blocked, as in Playwright's contexts) the agent was told so, and the next load of the frame asks again.
    page.reload()
    if kept:
        expect(frame.locator("#signin")).to_be_hidden()
        expect(frame.locator("#script-id")).not_to_be_empty()
    else:
        expect(frame.locator("#signin")).to_be_visible()
