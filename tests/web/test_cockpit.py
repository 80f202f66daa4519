"""The case cockpit in a real browser: the sidebar's next steps, follow-ups, alternatives and keyboard, the
demo's order panel and new conversation, and the team's /queue page."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
from playwright.sync_api import expect

from tests.conftest import auth


def send(page, text: str) -> None:
    page.fill("#buyer", text)
    page.click("#send")


def suggest_bodies(page) -> list[dict]:
    """Every /v1/suggest body the sidebar sends from now on (the frame's requests are the page's too)."""
    bodies: list[dict] = []
    page.on("request", lambda r: bodies.append(json.loads(r.post_data)) if r.url.endswith("/v1/suggest") else None)
    return bodies


def test_an_alternative_switches_the_whole_card_and_its_case(server, page, agent_key):
    page.goto(f"{server}/demo#key={agent_key}")
    sidebar = page.frame_locator("#sidebar")
    send(page, "收到的杯子碎了,而且少了一个")
    expect(sidebar.locator("#script-id")).to_have_text("damaged.ask_evidence")
    expect(sidebar.locator('#evidence-box input[data-evidence="box_photos"]')).to_be_visible()
    damaged_case = sidebar.locator("#case").inner_text()
    # Alt+1: the first alternative. Name, text, what it asks for and the case's ticks all change with it.
    sidebar.locator("#script").press("Alt+1")
    expect(sidebar.locator("#script-id")).to_have_text("missing_item.ask_evidence")
    expect(sidebar.locator("#script-name")).not_to_have_text("")
    expect(sidebar.locator('#evidence-box input[data-evidence="box_photos"]')).to_have_count(0)
    expect(sidebar.locator("#script-wants")).not_to_contain_text("外箱")
    expect(sidebar.locator("#case")).not_to_have_text(damaged_case)
    expect(sidebar.locator("#case")).to_contain_text("案件 #")
    # Alt+N: the keyboard reaches the next step's first button.
    sidebar.locator("#script").press("Alt+n")
    focused = sidebar.locator("#cockpit .step").first
    expect(focused).to_be_focused()


def test_follow_ups_count_down_turn_red_and_are_done(server, page, agent_key, admin_key):
    page.goto(f"{server}/sidebar#token={agent_key}")
    conversation = f"fu-{datetime.now(UTC).timestamp()}"
    page.evaluate(
        """c => window.dispatchEvent(new MessageEvent('message', {origin: window.location.origin,
           data: {type: 'buyer_message', message: '收到的杯子碎了', conversation_id: c}}))""",
        conversation,
    )
    expect(page.locator("#case")).to_contain_text("案件 #")
    case_id = int(page.locator("#case").inner_text().split("#")[1])
    with httpx.Client(base_url=server, headers=auth(admin_key)) as c:
        late = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
        assert c.post(f"/v1/cases/{case_id}/follow-ups", json={"what": "回访买家", "due_at": late}).status_code == 201
    # The agent adds one from the sidebar; the one the API added shows once the case is read again.
    page.fill("#follow-up-what", "催仓库回复")
    page.click("#follow-up-add")
    overdue = page.locator("li.follow-up", has_text="回访买家")
    expect(overdue).to_have_class("follow-up overdue")
    expect(overdue).to_contain_text("已超时 1小时")
    soon = page.locator("li.follow-up", has_text="催仓库回复")
    expect(soon).to_contain_text("还剩 1小时59分")
    expect(soon).not_to_have_class("follow-up overdue")
    overdue.locator("button").click()
    expect(page.locator("#follow-ups li.done")).to_have_text("回访买家(已完成)")
    expect(page.locator("#timeline")).to_contain_text("完成跟进")
    expect(page.locator("#timeline .event-follow_up_done")).to_have_count(1)


def test_a_note_records_the_agents_words_and_status_buttons_follow_the_case(server, page, agent_key):
    page.goto(
        f"{server}/sidebar?message=杯子碎了&conversation_id=note-{datetime.now(UTC).timestamp()}#token={agent_key}"
    )
    expect(page.locator("#case")).to_contain_text("案件 #")
    page.click("#note-add")  # no words: nothing is recorded
    expect(page.locator("#toast")).to_contain_text("请先写备注内容")
    page.fill("#note-text", "<img src=x onerror=alert(1)> 买家要求加急")
    page.press("#note-text", "Enter")
    expect(page.locator("#timeline .event-note")).to_contain_text("<img src=x onerror=alert(1)> 买家要求加")
    expect(page.locator("#timeline img")).to_have_count(0)
    page.click('#statuses button[data-status="waiting_buyer"]')
    expect(page.locator("#case-status")).to_contain_text("等待买家")
    expect(page.locator('#statuses button[data-status="waiting_buyer"]')).to_have_count(0)
    expect(page.locator('#statuses button[data-status="open"]')).to_be_visible()


def test_the_demo_sends_its_order_and_starts_new_conversations(server, page, agent_key):
    page.goto(f"{server}/demo#key={agent_key}")
    bodies = suggest_bodies(page)
    sidebar = page.frame_locator("#sidebar")
    page.select_option("#order-status", "signed")
    page.select_option("#order-signer", "proxy")
    page.fill("#order-item", "禾兰仕 电热水壶")
    send(page, "收到的杯子碎了")
    expect(sidebar.locator("#case")).to_contain_text("案件 #")
    order = bodies[-1]["order"]
    assert order["status"] == "signed" and order["signed_by"] == "proxy"
    assert order["items"][0]["name"] == "禾兰仕 电热水壶" and order["amount"] == "89.00"
    assert order["paid_at"] < order["shipped_at"] < order["signed_at"]
    first = page.locator("#conversation").inner_text()
    page.click("#new-conversation")
    expect(page.locator("#conversation")).not_to_have_text(first)
    expect(page.locator("#messages li")).to_have_count(0)
    expect(sidebar.locator("#empty")).to_be_visible()
    expect(sidebar.locator("#case")).to_have_text("")
    send(page, "什么时候发货")
    expect(sidebar.locator("#result")).to_be_visible()
    assert bodies[-1]["conversation_id"] == page.locator("#conversation").inner_text() != first


def test_the_demo_sends_an_image_as_an_attachment(server, page, agent_key):
    page.goto(f"{server}/demo#key={agent_key}")
    bodies = suggest_bodies(page)
    send(page, "收到的杯子碎了")
    expect(page.frame_locator("#sidebar").locator("#case")).to_contain_text("案件 #")
    page.click("#send-image")
    expect(page.locator("#messages li.image")).to_have_text("[图片] photo.jpg")
    page.wait_for_timeout(300)
    assert bodies[-1]["attachments"] == [{"type": "image", "name": "photo.jpg"}]
    assert bodies[-1]["message"] == ""


def test_the_queue_page_asks_for_a_key_and_keeps_its_policy(server, page):
    r = httpx.get(f"{server}/queue")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    page.goto(f"{server}/queue")
    expect(page.locator("#key-form")).to_be_visible()
    page.fill("#key", "shk_000000000000_" + "x" * 43)
    page.click("#key-form button")
    expect(page.locator("#error")).to_contain_text("密钥无效")


def test_every_order_state_and_signer_has_a_chinese_name_in_the_demo():
    from app.core.terms import OrderStatus, Signer
    from app.web.endpoints import ORDER_STATUS_NAMES, SIGNER_NAMES

    assert set(ORDER_STATUS_NAMES) == set(OrderStatus) and set(SIGNER_NAMES) == set(Signer)


def test_the_queue_counts_filters_and_lets_only_a_supervisor_decide(server, browser, database, agent_key, admin_key):
    from tests.conftest import make_key

    shop = f"q{int(datetime.now(UTC).timestamp() * 1000) % 10**9}"
    supervisor_key = make_key(database, "supervisor", (shop,))
    shop_agent = make_key(database, "agent", (shop,))
    with httpx.Client(base_url=server, headers=auth(admin_key)) as c:
        case = c.post("/v1/cases", json={"shop_id": shop, "intent": "damaged", "conversation_id": f"{shop}-1"}).json()
        asked = c.patch(
            f"/v1/cases/{case['id']}", json={"version": case["version"], "remedy": "compensate", "amount": "50"}
        )
        assert asked.json()["status"] == "waiting_approval"
        other = c.post(
            "/v1/cases", json={"shop_id": shop, "intent": "missing_item", "conversation_id": f"{shop}-2"}
        ).json()
        late = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
        c.post(f"/v1/cases/{other['id']}/follow-ups", json={"what": "催仓库回复", "due_at": late})
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    # An agent sees the queue but cannot decide.
    page.goto(f"{server}/queue?shop_id={shop}#token={shop_agent}")
    expect(page.locator("#who")).to_contain_text("只读")
    expect(page.locator("#n-waiting_approval")).to_have_text("1")
    expect(page.locator("#n-overdue")).to_have_text("1")
    expect(page.locator(f'#overdue li[data-case-id="{other["id"]}"]')).to_contain_text("已超时 2小时")
    expect(page.locator("#waiting_approval button")).to_have_count(0)
    # Filters: another intent empties the approvals; a count shows its list alone.
    page.select_option("#f-intent", "missing_item")
    page.click("#filters button")
    expect(page.locator("#n-waiting_approval")).to_have_text("0")
    page.select_option("#f-intent", "")
    page.click("#filters button")
    expect(page.locator("#n-waiting_approval")).to_have_text("1")
    page.click("#counts button[data-show=overdue]")
    expect(page.locator("#waiting_approval")).to_be_hidden()
    expect(page.locator("#overdue")).to_be_visible()
    # The 店长 rejects with a reason, in one click.
    page = context.new_page()  # a new page: a changed fragment alone would not load the page again
    page.goto(f"{server}/queue?shop_id={shop}#token={supervisor_key}")
    expect(page.locator("#who")).to_contain_text("可以审批")
    row = page.locator(f'#waiting_approval li[data-case-id="{case["id"]}"]')
    row.locator("input").fill("超过标准,先给 30 元")
    row.locator("button.reject").click()
    expect(page.locator("#n-waiting_approval")).to_have_text("0")
    with httpx.Client(base_url=server, headers=auth(admin_key)) as c:
        decided = c.get(f"/v1/cases/{case['id']}").json()
    assert decided["status"] == "open" and decided["approval"]["status"] == "rejected"
    assert decided["approval"]["reason"] == "超过标准,先给 30 元"
    context.close()


def test_chatwoot_files_on_the_buyers_message_go_as_attachments(server, page, agent_key):
    bodies = suggest_bodies(page)
    page.goto(f"{server}/sidebar#token={agent_key}")
    page.evaluate("""window.dispatchEvent(new MessageEvent('message', {origin: window.location.origin,
        data: {event: 'appContext', data: {conversation: {id: 777, messages: [
            {message_type: 0, content: '收到的杯子碎了'},
            {message_type: 1, content: '亲,麻烦拍下外箱和杯子'},
            {message_type: 0, content: '', attachments: [{file_type: 'image', data_url: 'https://x/1.jpg'},
                                                         {file_type: 'audio'}]}]}}}}))""")
    page.wait_for_timeout(500)
    assert bodies[-1]["attachments"] == [{"type": "image"}, {"type": "file"}]
    assert bodies[-1]["message"] == ""
    assert [t["text"] for t in bodies[-1]["context"]] == ["收到的杯子碎了", "亲,麻烦拍下外箱和杯子"]


def test_a_miss_searches_the_scripts_and_the_choice_moves_the_case(server, page, agent_key, admin_key):
    conversation = f"search-{datetime.now(UTC).timestamp()}"
    page.goto(f"{server}/sidebar?conversation_id={conversation}#token={agent_key}")
    page.evaluate(
        """c => window.dispatchEvent(new MessageEvent('message', {origin: window.location.origin,
           data: {type: 'buyer_message', message: '收到的杯子碎了', conversation_id: c}}))""",
        conversation,
    )
    expect(page.locator("#script-id")).to_have_text("damaged.ask_evidence")
    case_id = int(page.locator("#case").inner_text().split("#")[1])
    # The agent disagrees: 不合适 opens the search; 拼音 initials find 破损 · 外包装严重破损.
    page.click("#reject")
    expect(page.locator("#search-q")).to_be_focused()
    page.fill("#search-q", "wbzyzps")
    found = page.locator('#search-results button[data-script-id="damaged.box_damaged_severe"]')
    expect(found).to_contain_text("破损 · 外包装严重破损")
    found.click()
    expect(page.locator("#script-id")).to_have_text("damaged.box_damaged_severe")
    expect(page.locator("#timeline")).to_contain_text("选用话术")
    with httpx.Client(base_url=server, headers=auth(admin_key)) as c:
        case = c.get(f"/v1/cases/{case_id}").json()
        events = c.get(f"/v1/cases/{case_id}/timeline").json()
    assert case["branch"] == "damaged.box_damaged_severe"
    chosen = [e["data"] for e in events if e["type"] == "script_chosen"]
    assert len(chosen) == 1 and chosen[0]["was"]["branch"] == "damaged.ask_evidence", chosen


def test_nothing_matched_opens_the_search_with_the_buyers_words(server, page, agent_key):
    page.goto(f"{server}/sidebar?message=在吗#token={agent_key}")
    expect(page.locator("#intents")).to_contain_text("无售后意图")
    expect(page.locator("#search")).to_have_attribute("open", "")
    expect(page.locator("#search-q")).to_have_value("在吗")
