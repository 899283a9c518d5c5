"""Screenshots for the README, taken from the real app in Debian's Chromium.

`make screenshots` starts a fresh installation, creates an administrator and a few users
through the CLI, signs in and saves each page in English and Russian. For the profile
page a user links GitHub for real, against the tests' fake GitHub on 127.0.0.1.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.app_server import AppServer, make_app_server  # noqa: E402
from tests.support.chromium import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402
from tests.support.fakes.github import FakeGitHub  # noqa: E402

OUT = Path(__file__).parent / "screenshots"
PASSWORD = "screenshot password"
OCTOCAT = {"login": "annakarenina", "id": 583231, "name": "Anna Karenina", "email": None}


def configure_github(server: AppServer, scratch: Path, github: FakeGitHub) -> None:
    """GitHub on the sign-in page and the profile, pointed at the fake."""
    config = scratch / "github.yaml"
    config.write_text(
        "services:\n  github:\n    enabled: true\n    settings:\n"
        "      client_id: gh-client\n      client_secret: gh-secret\n    endpoints:\n"
        + "".join(f"      {key}: {url}\n" for key, url in github.endpoints().items())
    )
    server.cli("config", "import", str(config))


def profile_with_a_link(browser: Browser, base_url: str, locale: str, path: Path) -> None:
    page = browser.new_page(locale=locale, viewport={"width": 1100, "height": 640})
    page.goto(f"{base_url}/login?next=/profile")
    page.locator("input[name=login]").fill("anna")
    page.locator("input[name=password]").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base_url}/profile")
    if not page.locator("li").count():
        page.locator("form[action='/oauth/github/link'] button").click()  # the fake approves
        page.wait_for_url(f"{base_url}/profile?linked=github")
    page.locator("li").first.wait_for()
    page.wait_for_timeout(500)
    page.screenshot(path=path, full_page=True)
    page.close()


def main() -> None:
    github = FakeGitHub(client_id="gh-client", client_secret="gh-secret", profile=OCTOCAT)
    github.start()
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
            for login in ("boris", "vera"):
                server.cli("user", "create", "--login", login, "--email", f"{login}@example.org")
            server.cli(
                "user", "create", "--login", "anna", "--email", "anna@example.org",
                "--password-stdin", stdin=PASSWORD + "\n",
            )  # fmt: skip
            configure_github(server, Path(scratch), github)
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
                    profile_with_a_link(
                        browser, server.base_url, locale, OUT / f"profile-{suffix}.png"
                    )
                browser.close()
        finally:
            server.stop()
            github.stop()
    print(f"saved in {OUT}")


if __name__ == "__main__":
    main()
