"""The live feed in Chromium: a post written in one browser appears in another one
without a reload, as text."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.support.app_server import AppServer

PASSWORD = "a feed reader's password"


def signed_in_feed(browser: Browser, app_server: AppServer, login: str) -> Page:
    page = browser.new_context().new_page()
    page.goto(f"{app_server.base_url}/login?next=/feed")
    page.get_by_label("Login or e-mail").fill(login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(f"{app_server.base_url}/feed")
    return page


def test_a_post_appears_in_another_browser_without_reload(
    browser: Browser, app_server: AppServer
) -> None:
    for login in ("alice", "bob"):
        created = app_server.cli(
            "user", "create", "--login", login, "--email", f"{login}@example.org",
            "--password-stdin", stdin=PASSWORD + "\n",
        )  # fmt: skip
        assert created.returncode == 0, created.stderr
    alice = signed_in_feed(browser, app_server, "alice")
    bob = signed_in_feed(browser, app_server, "bob")
    expect(bob.get_by_text("Nothing has been posted yet.")).to_be_visible()
    alice.get_by_label("Your message").fill(
        "<img src=x onerror=alert(1)> hello https://example.org"
    )
    alice.get_by_role("button", name="Post").click()
    posted = bob.get_by_role("listitem").filter(has_text="hello")
    expect(posted).to_contain_text("<img src=x onerror=alert(1)> hello")  # text, not an image
    expect(posted).to_contain_text("alice")  # no name given: the login
    expect(posted.get_by_role("link", name="https://example.org")).to_have_attribute(
        "rel", "noopener noreferrer"
    )
    expect(bob.get_by_text("Nothing has been posted yet.")).to_be_hidden()
    assert bob.locator("img[src=x]").count() == 0
