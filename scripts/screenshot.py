#!/usr/bin/env python3
"""Take the README's screenshot of /demo in headless Chromium: a buyer message, the sidebar's answer.

.venv/bin/python scripts/screenshot.py http://127.0.0.1:8000 docs/demo.png
"""

from __future__ import annotations

import sys

from playwright.sync_api import expect, sync_playwright

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main(base: str, out: str) -> int:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 760}, locale="zh-CN")
        page.goto(f"{base}/demo")
        page.fill("#buyer", "亲 收到的杯子碎了 /:Q 单号SF1234567890123")
        page.click("#send")
        sidebar = page.frame_locator("#sidebar")
        sidebar.locator("#script-id").wait_for()
        sidebar.locator("#insert").click()
        expect(page.locator("#reply")).not_to_have_value("")  # DOM polling: the CSP forbids eval
        page.wait_for_timeout(500)
        page.screenshot(path=out)
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:3]))
