"""Our Content Security Policy in Chromium: every page still works under it, and nothing
it forbids is attempted (issue 16, point 9). A page that breaks the policy shows up as
a ``securitypolicyviolation`` event or Chromium's console error, both collected here."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from tests.support.app_server import AppServer
from tests.support.social_setup import Setup, sign_in_at_provider, sign_in_locally

PASSWORD = "a long admin password"
ADMIN_PAGES = (
    "/admin",
    "/admin/services",
    "/admin/sites",
    "/admin/sites/s1",
    "/admin/registration",
    "/admin/users",
    "/admin/users/1",
    "/admin/activity",
    "/admin/encryption",
    "/admin/audit",
    "/feed",
)
EXAMPLE_CONFIGURATION = re.search(
    r"```yaml\n(.*?)```", (Path(__file__).parents[2] / "docs" / "config.md").read_text(), re.S
).group(1)  # type: ignore[union-attr]
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => console.error(
  "CSP violation: " + e.violatedDirective + " blocked " + e.blockedURI + " on " + e.documentURI));
"""


def watched_context(browser: Browser, base_url: str) -> tuple[BrowserContext, list[str]]:
    """A browser context that reports every policy violation on our pages (and script
    errors, which a blocked script would cause)."""
    context = browser.new_context()
    context.add_init_script(REPORT_VIOLATIONS)
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        ours = (message.location or {}).get("url", "").startswith(base_url)
        if ours and ("Content Security Policy" in message.text or "CSP" in message.text):
            problems.append(message.text)

    def on_page(page: Page) -> None:
        page.on("console", on_console)
        page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))

    context.on("page", on_page)
    return context, problems


def test_every_page_works_under_the_policy(
    browser: Browser, app_server: AppServer, tmp_path: Path
) -> None:
    app_server.cli(
        "user", "create", "--login", "root", "--email", "root@example.org", "--admin",
        "--password-stdin", stdin=PASSWORD + "\n",
    )  # fmt: skip
    example = tmp_path / "config.yaml"  # services with their badges on /login, two sites
    example.write_text(EXAMPLE_CONFIGURATION)
    assert app_server.cli("config", "import", str(example)).returncode == 0
    base = app_server.base_url
    context, problems = watched_context(browser, base)
    page = context.new_page()

    response = page.goto(f"{base}/login?next=/admin")
    assert response is not None
    policy = response.headers["content-security-policy"]
    scripts = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'nonce-" in scripts and "'unsafe-inline'" not in scripts
    page.get_by_label("Login or e-mail").fill("root")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("Wrong login or password.")  # it reacts
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(f"{base}/admin")
    for path in ADMIN_PAGES:
        page.goto(base + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        page.wait_for_load_state("networkidle")
    page.goto(f"{base}/admin/registration")
    page.get_by_role("switch").first.click()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    page.goto(f"{base}/profile")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert problems == []
    context.close()


def test_linking_leaves_through_a_form_and_comes_back(browser: Browser, setup: Setup) -> None:
    """The "Link" button posts a form that redirects to the service: the policy's form-action lets
    the browser follow it, to the service and back."""
    setup.configure()
    setup.local_user("robert", "robert@example.org")
    base = setup.app.base_url
    context, problems = watched_context(browser, base)
    page = context.new_page()
    sign_in_locally(page, base, "robert")
    page.get_by_role("button", name="Link Staff sign-in").click()
    sign_in_at_provider(page, "bob")
    expect(page.get_by_role("status")).to_have_text("Staff sign-in is now linked to your account.")
    assert page.url.startswith(f"{base}/profile")
    assert problems == [], problems
    context.close()
