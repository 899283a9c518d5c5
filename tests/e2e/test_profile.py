"""The profile page in Chromium: linking through the `oidc-provider` fixture and a fake
GitHub (real HTTP on 127.0.0.1), signing in with a link, unlinking, and the guard that
keeps the last way to sign in."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.fakes.github import FakeGitHub
from tests.support.social_setup import (
    SERVICE,
    Setup,
    click_service,
    sign_in_at_provider,
    sign_in_locally,
)

OCTOCAT = {"login": "octocat", "id": 583231, "name": "Mona Lisa Octocat", "email": None}


@pytest.fixture
def github(setup: Setup) -> Iterator[FakeGitHub]:
    fake = FakeGitHub(client_id="gh-client", client_secret="gh-secret", profile=OCTOCAT)
    fake.start()
    setup.more_services["github"] = {
        "enabled": True,
        "settings": {"client_id": "gh-client", "client_secret": "gh-secret"},
        "endpoints": fake.endpoints(),
    }
    yield fake
    fake.stop()


def linked_item(page: Page, service: str):  # type: ignore[no-untyped-def]
    return page.get_by_role("listitem").filter(has_text=service)


def unlink(page: Page, service: str) -> None:
    page.get_by_role("button", name=f"Unlink {service}").click()


def test_link_two_services_sign_in_with_one_and_unlink(
    browser: Browser, setup: Setup, github: FakeGitHub
) -> None:
    setup.configure(self_registration=False)  # only linked accounts may sign in
    setup.local_user("robert", "robert@example.org")
    base = setup.app.base_url
    page = browser.new_page()
    sign_in_locally(page, base, "robert")
    expect(page.get_by_text("No external accounts are linked yet.")).to_be_visible()
    page.get_by_role("button", name="Link Staff sign-in").click()
    sign_in_at_provider(page, "bob")
    expect(page.get_by_role("status")).to_have_text("Staff sign-in is now linked to your account.")
    expect(linked_item(page, "Staff sign-in")).to_contain_text("Bob Builder")
    expect(linked_item(page, "Staff sign-in")).to_contain_text("last used to sign in: never")
    page.get_by_role("button", name="Link GitHub").click()  # the fake approves at once
    expect(page.get_by_role("status")).to_have_text("GitHub is now linked to your account.")
    expect(linked_item(page, "GitHub")).to_contain_text("Mona Lisa Octocat")
    expect(page.get_by_role("button", name=re.compile("^Link "))).to_have_count(0)
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.close()

    again = browser.new_page()  # signs in with the linked account, no password
    click_service(again, base, next_path="/profile")
    sign_in_at_provider(again, "bob")
    expect(again).to_have_url(f"{base}/profile")
    expect(again.get_by_text("Login: robert")).to_be_visible()
    expect(linked_item(again, "Staff sign-in")).not_to_contain_text("never")
    unlink(again, "GitHub")
    again.get_by_role("button", name="Unlink", exact=True).click()
    expect(again.get_by_text("GitHub is unlinked.")).to_be_visible()
    expect(linked_item(again, "GitHub")).to_have_count(0)
    again.reload()
    expect(linked_item(again, "Staff sign-in")).to_be_visible()
    expect(linked_item(again, "GitHub")).to_have_count(0)
    expect(again.get_by_role("button", name="Link GitHub")).to_be_visible()
    again.close()


def test_the_last_way_to_sign_in_needs_a_password_first(browser: Browser, setup: Setup) -> None:
    setup.configure()
    base = setup.app.base_url
    page = browser.new_page()
    click_service(page, base)
    sign_in_at_provider(page, "alice")  # registered through the service: no password
    expect(page).to_have_url(f"{base}/profile")
    unlink(page, "Staff sign-in")
    expect(page.get_by_role("alert")).to_have_text(
        "This is the only way you can sign in now. Set a password first (below), then unlink it."
    )
    page.get_by_role("dialog").get_by_role("button", name="Set a password").click()
    expect(page.get_by_label("New password")).to_be_focused()
    page.keyboard.type("alice's own password")
    page.get_by_label("Repeat it").fill("alice's own password")
    page.get_by_label("Repeat it").press("Tab")
    page.keyboard.press("Enter")  # the "Set a password" button, by keyboard
    expect(page.get_by_text("Your password is saved.")).to_be_visible()
    expect(page.get_by_label("Current password")).to_be_visible()
    unlink(page, "Staff sign-in")
    page.get_by_role("button", name="Unlink", exact=True).click()
    expect(page.get_by_text("No external accounts are linked yet.")).to_be_visible()
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page).to_have_url(re.compile(r"/login$"))  # signed out: the sign-in page
    page.get_by_label("Login or e-mail").fill(f"{SERVICE}_alice")
    page.get_by_label("Password").fill("alice's own password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(f"{base}/profile")


def test_a_denied_group_keeps_its_links_and_is_told_why(browser: Browser, setup: Setup) -> None:
    setup.configure()
    base = setup.app.base_url
    page = browser.new_page()
    click_service(page, base)
    sign_in_at_provider(page, "alice")
    expect(page).to_have_url(f"{base}/profile")
    setup.configure(denied_link=["registered"])
    page.reload()
    expect(linked_item(page, "Staff sign-in")).to_contain_text("Alice Liddell")
    expect(page.get_by_text("Your account may not link external services.")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Link "))).to_have_count(0)
