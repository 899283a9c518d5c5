"""The profile, the live feed and every administration page on a 390 px wide phone, in both languages:
nothing makes the page wider than the screen (wide tables scroll inside their own box)."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.support.app_server import AppServer

PASSWORD = "a long admin password"
PAGES = (
    "/profile",
    "/feed",
    "/admin",
    "/admin/services",
    "/admin/sites",
    "/admin/sites/s1",
    "/admin/registration",
    "/admin/users",
    "/admin/users/1",
    "/admin/activity",
    "/admin/mail",
    "/admin/encryption",
    "/admin/audit",
)
EXAMPLE_CONFIGURATION = re.search(
    r"```yaml\n(.*?)```", (Path(__file__).parents[2] / "docs" / "config.md").read_text(), re.S
).group(1)  # type: ignore[union-attr]
# how much wider than the viewport the document is: 0 when nothing sticks out
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def test_pages_fit_a_phone(browser: Browser, app_server: AppServer, tmp_path: Path) -> None:
    app_server.cli(
        "user", "create", "--login", "root", "--email", "root@example.org", "--admin",
        "--password-stdin", stdin=PASSWORD + "\n",
    )  # fmt: skip
    example = tmp_path / "config.yaml"  # two sites and services: the tables have rows
    example.write_text(EXAMPLE_CONFIGURATION)
    assert app_server.cli("config", "import", str(example)).returncode == 0
    for locale in ("en-US", "ru-RU"):
        context = browser.new_context(locale=locale, viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.goto(f"{app_server.base_url}/login?next=/admin")
        page.locator("input[name=login]").fill("root")
        page.locator("input[name=password]").fill(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{app_server.base_url}/admin")
        overflowing = {}
        for path in PAGES:
            page.goto(app_server.base_url + path)
            if path == "/admin/registration" and locale == "en-US":  # an entry for the log
                page.get_by_role("switch").first.click()
                page.get_by_role("button", name="Save").click()
                expect(page.get_by_text("Saved.")).to_be_visible()
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            page.wait_for_load_state("networkidle")
            page.screenshot(path=tmp_path / f"{locale}{path.replace('/', '-')}.png", full_page=True)
            if excess := page.evaluate(OVERFLOW):
                overflowing[path] = excess
        assert overflowing == {}, f"{locale}: wider than 390 px by {overflowing} (see {tmp_path})"
        context.close()
