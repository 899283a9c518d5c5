"""Screenshots for the README, taken from the real app in Debian's Chromium.

`make screenshots` starts a fresh installation (sending mail to a local SMTP server),
creates an administrator and a few users through the CLI, signs in and saves each page in
English and Russian: the profile, a "Try it" that fails and names its cause, the services
table and one service's settings, the overview, the users and the audit log (with the
administrator's own changes). For the profile page a user links GitHub for real, against
the tests' fake GitHub on 127.0.0.1; the failing "Try it" is an OpenID Connect service
whose issuer URL names a realm that fake does not have, so its discovery document cannot
be read.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Browser, Locator, Page, ViewportSize, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.app_server import AppServer, make_app_server  # noqa: E402
from tests.support.chromium import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402
from tests.support.fakes.github import FakeGitHub  # noqa: E402
from tests.support.smtp_server import SmtpServer  # noqa: E402

OUT = Path(__file__).parent / "screenshots"
PASSWORD = "screenshot password"
OCTOCAT = {"login": "annakarenina", "id": 583231, "name": "Anna Karenina", "email": None}
VIEWPORT: ViewportSize = {"width": 1100, "height": 640}
#: the OpenID Connect service whose "Try it" fails
STAFF_SSO = "corporate-sso"
MAIL_FROM = "Social services <noreply@example.org>"


def configure_services(server: AppServer, scratch: Path, github: FakeGitHub) -> None:
    """GitHub on the sign-in page and the profile, pointed at the fake; a company's single
    sign-on at a realm the fake does not serve."""
    config = scratch / "services.yaml"
    config.write_text(
        "services:\n  github:\n    enabled: true\n    settings:\n"
        "      client_id: gh-client\n      client_secret: gh-secret\n    endpoints:\n"
        + "".join(f"      {key}: {url}\n" for key, url in github.endpoints().items())
        + f"  {STAFF_SSO}:\n    provider: oidc\n    name: Staff sign-in\n    enabled: true\n"
        "    settings:\n      client_id: socialservices\n      client_secret: sso-secret\n"
        f"    endpoints:\n      issuer: {github.base_url}/realms/staff\n"
    )
    imported = server.cli("config", "import", str(config))
    assert imported.returncode == 0, imported.stderr


def settled(page: Page) -> None:
    """The page drawn and still: its heading shown, nothing loading or moving."""
    expect(page.get_by_role("heading", level=1).first).to_be_visible()
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)


def shoot(page: Page, name: str) -> None:
    """The whole page, in a window as tall as the page (the side navigation reaches down)."""
    settled(page)
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": max(height, VIEWPORT["height"])})
    page.wait_for_timeout(300)
    page.screenshot(path=OUT / name)
    page.set_viewport_size(VIEWPORT)


def service_row(page: Page, service_id: str) -> Locator:
    row = page.locator(f"[data-testid='service-{service_id}']")
    expect(row).to_be_visible()
    return row


def open_service(page: Page, service_id: str) -> None:
    """The service's settings opened from its row: its last button, in either language (the
    arrows come first)."""
    service_row(page, service_id).get_by_role("button").last.click()
    expect(page.locator(f"form[action='/oauth/{service_id}/try']")).to_be_visible()


def failed_try(page: Page, service_id: str) -> Page:
    """The tab "Try it" opens: the page that says why the sign-in failed."""
    with page.expect_popup() as popup:
        page.locator(f"form[action='/oauth/{service_id}/try'] button").click()
    tried = popup.value
    tried.wait_for_url("**/admin/services/tried")
    return tried


def switch_twice(page: Page, service_id: str) -> None:
    """The service switched off and on again: two entries for the audit log."""
    switch = service_row(page, service_id).get_by_role("switch")
    for state in ("false", "true"):
        switch.click()
        expect(switch).to_have_attribute("aria-checked", state)
        page.wait_for_timeout(300)


def administrator_pages(browser: Browser, base_url: str, locale: str, suffix: str) -> None:
    page = browser.new_page(locale=locale, viewport=VIEWPORT)
    page.goto(f"{base_url}/login?next=/admin/services")
    page.locator("input[name=login]").fill("admin")
    page.locator("input[name=password]").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/services")
    open_service(page, STAFF_SSO)
    tried = failed_try(page, STAFF_SSO)
    shoot(tried, f"admin-try-failed-{suffix}.png")
    tried.close()
    page.goto(f"{base_url}/admin/services")  # the row now tells the failure
    service_row(page, STAFF_SSO)
    shoot(page, f"admin-services-{suffix}.png")
    open_service(page, STAFF_SSO)
    page.wait_for_timeout(500)
    page.screenshot(path=OUT / f"admin-service-settings-{suffix}.png")  # the panel as seen
    page.goto(f"{base_url}/admin/services")
    switch_twice(page, "github")
    page.goto(f"{base_url}/admin")
    page.locator("canvas").first.wait_for()  # the chart drawn: all is there
    shoot(page, f"admin-overview-{suffix}.png")
    for area in ("users", "audit"):
        page.goto(f"{base_url}/admin/{area}")
        shoot(page, f"admin-{area}-{suffix}.png")
    page.close()


def profile_with_a_link(browser: Browser, base_url: str, locale: str, name: str) -> None:
    page = browser.new_page(locale=locale, viewport=VIEWPORT)
    page.goto(f"{base_url}/login?next=/profile")
    page.locator("input[name=login]").fill("anna")
    page.locator("input[name=password]").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base_url}/profile")
    link_github = page.locator("form[action='/oauth/github/link'] button")
    settled(page)
    if link_github.count():  # the first time: the fake approves at once
        link_github.click()
        page.wait_for_url(f"{base_url}/profile?linked=github")
        expect(link_github).to_have_count(0)
    shoot(page, name)
    page.close()


def main() -> None:
    github = FakeGitHub(client_id="gh-client", client_secret="gh-secret", profile=OCTOCAT)
    github.start()
    smtp = SmtpServer().start()  # mail configured, as in a real installation
    with tempfile.TemporaryDirectory() as scratch:
        server = make_app_server(Path(scratch), smtp_url=smtp.url, mail_from=MAIL_FROM).start()
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
            configure_services(server, Path(scratch), github)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
                for locale, suffix in (("en-US", "en"), ("ru-RU", "ru")):
                    # first: the overview then counts Anna's link
                    profile_with_a_link(browser, server.base_url, locale, f"profile-{suffix}.png")
                    administrator_pages(browser, server.base_url, locale, suffix)
                browser.close()
        finally:
            server.stop()
            github.stop()
            smtp.stop()
    print(f"saved in {OUT}")


if __name__ == "__main__":
    main()
