"""The API documentation and the editors' preview in a real browser, offline: every asset from the service,
no policy violation, every operation rendered, the preview's stylesheet applied."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import expect

from app.main import create_app
from app.settings import PROJECT_ROOT

SCREENSHOTS = PROJECT_ROOT / ".cache"  # ignored by git, left for a person to look at


def _watch(page):  # type: ignore[no-untyped-def]
    """Policy violations, failed loads (but the browser's own /favicon.ico) and the hosts of every request."""
    errors: list[str] = []
    hosts: set[str] = set()
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}") if r.status >= 400 and not r.url.endswith("/favicon.ico") else None
        ),
    )
    # blob: and data: URLs are the page's own (ReDoc's search worker, Swagger UI's icons)
    page.on("request", lambda r: None if r.url.startswith(("blob:", "data:")) else hosts.add(urlsplit(r.url).netloc))
    return errors, hosts


def _operations() -> list[str]:
    spec = create_app().openapi()
    return [op["operationId"] for ops in spec["paths"].values() for op in ops.values()]


def test_swagger_ui_renders_every_operation_from_our_own_files(server, page):
    errors, hosts = _watch(page)
    page.goto(f"{server}/docs")
    expect(page.locator(".opblock").first).to_be_visible(timeout=20_000)
    operations = _operations()
    expect(page.locator(".opblock")).to_have_count(len(operations))
    shown = {t.strip() for t in page.locator(".opblock-summary-operation-id").all_inner_texts()}
    assert shown == set(operations)
    page.screenshot(path=str(SCREENSHOTS / "e2e-docs.png"))
    assert hosts == {urlsplit(server).netloc}, hosts  # no CDN
    assert errors == [], errors


def test_a_request_body_example_is_offered(server, page):
    page.goto(f"{server}/docs#/suggest/suggest")
    expect(page.locator("#operations-suggest-suggest")).to_be_visible(timeout=20_000)
    expect(
        page.locator("#operations-suggest-suggest .body-param__example, #operations-suggest-suggest .example")
    ).not_to_have_count(0)
    expect(page.locator("#operations-suggest-suggest")).to_contain_text("杯子碎了")


def test_redoc_renders_every_operation(server, page):
    errors, hosts = _watch(page)
    page.goto(f"{server}/redoc")
    for operation_id in _operations():
        expect(page.locator(f'[id="operation/{operation_id}"]')).to_have_count(1, timeout=20_000)
    # ReDoc's sidebar footer links a logo on its maker's CDN; the policy blocks it: nothing else is refused.
    assert [e for e in errors if "cdn.redoc.ly" not in e] == [], errors
    assert hosts <= {urlsplit(server).netloc, "cdn.redoc.ly"}, hosts


def test_the_preview_page_is_styled(server, page, editor_key):
    errors, _ = _watch(page)
    page.goto(f"{server}/editor/login")
    page.fill("#key", editor_key)
    page.click("button[type=submit]")
    page.goto(f"{server}/editor/preview?message=杯子碎了")
    expect(page.locator(".script")).to_be_visible()
    # The stylesheet applied: the script's yellow box, the page's width, the 【】 highlight rule is loaded.
    assert page.locator(".script").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 251, 230)"
    assert page.locator("body").evaluate("e => getComputedStyle(e).maxWidth") == "820px"
    page.set_content("")  # a fresh document, the same origin's stylesheet: mark.missing is red
    page.goto(f"{server}/editor/preview?message=杯子碎了")
    page.evaluate("document.querySelector('.script').innerHTML += '<mark class=\"missing\">【金额】</mark>'")
    assert page.locator("mark.missing").evaluate("e => getComputedStyle(e).color") == "rgb(170, 0, 0)"
    page.screenshot(path=str(SCREENSHOTS / "e2e-preview.png"), full_page=True)
    assert errors == [], errors
