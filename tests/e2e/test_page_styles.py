"""The pages' Tailwind classes come from a stylesheet built beforehand
(``admin_app/web/static/tailwind.css``, ``make css``), not from Tailwind compiling them in
every browser: the file must hold every class the pages use, and the browser must get it."""

from __future__ import annotations

import subprocess
from pathlib import Path

from playwright.sync_api import Browser

from admin_app.web.theme import TAILWIND_CSS
from tests.support.app_server import AppServer

TAILWIND = Path(__file__).parents[1] / "support" / "tailwind"


def test_the_built_stylesheet_is_current(tmp_path: Path) -> None:
    """Fails when a page gained a class after the file was built: run ``make css``."""
    fresh = tmp_path / "tailwind.css"
    subprocess.run(
        [str(TAILWIND / "node_modules/.bin/tailwindcss"), "-i", "input.css", "-o", str(fresh),
         "--minify"],
        cwd=TAILWIND, check=True, capture_output=True,
    )  # fmt: skip
    assert fresh.read_text() == TAILWIND_CSS.read_text(), "the stylesheet is stale: make css"


def test_pages_are_styled_without_tailwind_in_the_browser(
    browser: Browser, app_server: AppServer
) -> None:
    page = browser.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{app_server.base_url}/login")
    header = page.locator("header").first
    # bg-slate-800 and the card's max-w-md: utilities only the built file defines
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") in (
        "rgb(29, 41, 61)",  # Tailwind 4's slate-800 (oklch), as Chromium rounds it
        "oklch(0.279 0.041 260.031)",
    )
    card = page.locator(".q-card").first
    assert card.evaluate("e => getComputedStyle(e).maxWidth") == "448px"
    assert any("/_look/tailwind.css?v=" in url for url in requested)
    assert not any("tailwindcss.min.js" in url for url in requested)
