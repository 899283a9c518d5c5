"""Signing in, registering and linking through a real OpenID Connect provider, in Chromium.

Each test starts the app and an `oidc-provider` whose only client's redirect URI is the
app's callback, configures the app with the config file, and plays the visitor.
"""

from __future__ import annotations

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.support.social_setup import (
    SERVICE,
    Setup,
    click_service,
    sign_in_at_provider,
    sign_in_locally,
)


def test_new_visitor_registers_then_returns(browser: Browser, setup: Setup) -> None:
    setup.configure()
    page = browser.new_page()
    click_service(page, setup.app.base_url, next_path="//evil.example/")  # ignored: off-site
    sign_in_at_provider(page, "alice")
    expect(page).to_have_url(f"{setup.app.base_url}/profile")
    expect(page.get_by_text("Alice Liddell").first).to_be_visible()
    page.close()
    users = setup.users()
    assert [(u["login"], u["email"], u["has_password"]) for u in users] == [
        (f"{SERVICE}_alice", "alice@example.org", False)
    ]
    returning = browser.new_page()  # a new browser: signs in at the provider again
    click_service(returning, setup.app.base_url, next_path="/profile")
    sign_in_at_provider(returning, "alice")
    expect(returning).to_have_url(f"{setup.app.base_url}/profile")
    expect(returning.get_by_text(f"Login: {SERVICE}_alice")).to_be_visible()
    assert len(setup.users()) == 1
    returning.close()


def test_registration_closed_refuses_new_people(page: Page, setup: Setup) -> None:
    setup.configure(self_registration=False)
    click_service(page, setup.app.base_url)
    sign_in_at_provider(page, "alice")
    expect(page.get_by_role("alert")).to_contain_text(
        "Only accounts linked beforehand can sign in with Staff sign-in."
    )
    assert setup.users() == []


def test_link_from_profile_then_sign_in_with_it(browser: Browser, setup: Setup) -> None:
    setup.configure(self_registration=False)  # only linked accounts may sign in
    setup.local_user("robert", "robert@example.org")
    page = browser.new_page()
    sign_in_locally(page, setup.app.base_url, "robert")
    page.get_by_role("button", name="Link Staff sign-in").click()
    sign_in_at_provider(page, "bob")
    expect(page.get_by_role("status")).to_have_text("Staff sign-in is now linked to your account.")
    expect(page.get_by_text("Bob Builder")).to_be_visible()
    page.close()
    fresh = browser.new_page()
    click_service(fresh, setup.app.base_url)
    sign_in_at_provider(fresh, "bob")
    expect(fresh.get_by_text("Login: robert")).to_be_visible()
    fresh.close()


def test_account_linked_elsewhere_is_refused(browser: Browser, setup: Setup) -> None:
    setup.configure()
    first = browser.new_page()
    click_service(first, setup.app.base_url)
    sign_in_at_provider(first, "alice")  # registers staff_alice, linked to alice
    expect(first).to_have_url(f"{setup.app.base_url}/profile")
    first.close()
    setup.local_user("mallory", "mallory@example.org")
    context = browser.new_context()
    page = context.new_page()
    sign_in_locally(page, setup.app.base_url, "mallory")
    page.get_by_role("button", name="Link Staff sign-in").click()
    sign_in_at_provider(page, "alice")
    expect(page.get_by_role("alert")).to_have_text(
        "This Staff sign-in account is already linked to another user."
    )
    context.close()


def test_denied_groups(browser: Browser, setup: Setup) -> None:
    setup.configure()
    page = browser.new_page()
    click_service(page, setup.app.base_url)
    sign_in_at_provider(page, "alice")
    expect(page).to_have_url(f"{setup.app.base_url}/profile")
    page.close()
    setup.configure(denied_auth=["registered"], denied_link=["registered"])
    again = browser.new_page()
    click_service(again, setup.app.base_url)
    sign_in_at_provider(again, "alice")
    expect(again.get_by_role("alert")).to_contain_text(
        "Your account may not sign in with external services."
    )
    again.close()
    setup.local_user("carol", "carol@example.org")
    linker = browser.new_page()
    sign_in_locally(linker, setup.app.base_url, "carol")
    expect(linker.get_by_text("Your account may not link external services.")).to_be_visible()
    expect(linker.get_by_role("button", name="Link Staff sign-in")).to_have_count(0)
    linker.close()


def test_profile_strings_are_shown_as_text(page: Page, setup: Setup) -> None:
    setup.configure()
    click_service(page, setup.app.base_url)
    sign_in_at_provider(page, "eve")
    expect(page).to_have_url(f"{setup.app.base_url}/profile")
    expect(
        page.get_by_text("<img src=x onerror=document.title='pwned'>", exact=False).first
    ).to_be_visible()
    assert page.title() != "pwned"


def test_attacks_start_nothing(page: Page, setup: Setup) -> None:
    setup.configure()
    base = setup.app.base_url
    setup.local_user("victim", "victim@example.org")
    sign_in_locally(page, base, "victim")
    # A cross-site form or link cannot start linking: GET is not a route, POST needs our token.
    response = page.request.get(f"{base}/oauth/{SERVICE}/link", max_redirects=0)
    assert response.status in {404, 405}
    response = page.request.post(
        f"{base}/oauth/{SERVICE}/link", form={"csrf": "forged"}, max_redirects=0
    )
    assert (response.status, response.headers["location"]) == (
        303,
        f"/profile?problem=state_invalid&service={SERVICE}",
    )
    # A callback with a made-up or replayed state is refused and changes nothing.
    page.goto(f"{base}/oauth/{SERVICE}/callback?code=stolen&state=made-up")
    expect(page.get_by_role("alert")).to_contain_text("This sign-in has expired, was already used")
    # next never leaves the site
    for evil in (
        "//evil.example",
        "/\\evil.example",
        "https:evil.example",
        "javascript:alert(1)",
        "%2F%2Fevil.example",
    ):
        response = httpx.get(
            f"{base}/oauth/{SERVICE}/login", params={"next": evil}, follow_redirects=False
        )
        assert response.status_code == 303 and response.headers["location"].startswith(
            setup.idp.issuer
        )
    assert [u["login"] for u in setup.users()] == ["victim"]
