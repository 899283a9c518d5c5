"""Screenshots for the README, taken from the real app in Debian's Chromium.

`make screenshots` starts a fresh installation, creates an administrator and a few users
through the CLI, signs in and saves each page in English and Russian.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.app_server import make_app_server  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402

OUT = Path(__file__).parent / "screenshots"
PASSWORD = "screenshot password"


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        server = make_app_server(Path(scratch)).start()
        try:
            server.cli(
                "user",
                "create",
                "--login",
                "admin",
                "--email",
                "admin@example.org",
                "--admin",
                "--password-stdin",
                stdin=PASSWORD + "\n",
            )
            for login in ("anna", "boris", "vera"):
                server.cli("user", "create", "--login", login, "--email", f"{login}@example.org")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
                for locale, suffix in (("en-US", "en"), ("ru-RU", "ru")):
                    page = browser.new_page(locale=locale, viewport={"width": 1100, "height": 640})
                    page.goto(f"{server.base_url}/login?next=/admin")
                    page.locator("input[name=login]").fill("admin")
                    page.locator("input[name=password]").fill(PASSWORD)
                    page.keyboard.press("Enter")
                    page.wait_for_url("**/admin")
                    page.locator("canvas").first.wait_for()  # the chart drawn: all is there
                    page.wait_for_timeout(500)
                    page.screenshot(path=OUT / f"admin-overview-{suffix}.png", full_page=True)
                    page.goto(f"{server.base_url}/admin/services")
                    page.get_by_text("OpenID Connect").first.wait_for()
                    page.wait_for_timeout(500)
                    page.screenshot(path=OUT / f"admin-services-{suffix}.png", full_page=True)
                    page.close()
                browser.close()
        finally:
            server.stop()
    print(f"saved in {OUT}")


if __name__ == "__main__":
    main()
