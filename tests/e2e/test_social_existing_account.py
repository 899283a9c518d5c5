"""A social sign-in whose verified address belongs to an account here, in Chromium: the
person is offered to sign in to that account, proves it with its password, and the
service is linked to it; the next sign-in with the service goes straight in. The offer's
page opened in another browser is refused. A real OpenID Connect provider vouches for
the address (tests/support/social_setup.py)."""

from __future__ import annotations

import re
import sqlite3

from playwright.sync_api import Browser, expect

from tests.support.social_setup import (
    PASSWORD,
    Setup,
    click_service,
    sign_in_at_provider,
)

OFFER = "An account with the address a***@example.org already exists."


def proven(setup: Setup, login: str) -> None:
    """The account's address marked proven, as its registration link would have (the
    installation's own SQLite file; the command line makes addresses unproven)."""
    with sqlite3.connect(setup.app.data_dir / "socialservices.db") as database:
        changed = database.execute(
            "UPDATE users SET email_verified = 1 WHERE login = ?", (login,)
        ).rowcount
    assert changed == 1


def test_sign_in_to_the_account_with_the_address_then_straight_in(
    browser: Browser, setup: Setup
) -> None:
    setup.configure()
    setup.local_user("alice.local", "alice@example.org")
    proven(setup, "alice.local")
    base = setup.app.base_url
    page = browser.new_page()
    click_service(page, base, next_path="/profile")
    sign_in_at_provider(page, "alice")
    expect(page).to_have_url(re.compile(re.escape(f"{base}/link/existing?ticket=")))
    expect(page.get_by_text(OFFER)).to_contain_text(
        "Sign in to it to add your Staff sign-in account."
    )

    elsewhere = browser.new_page()  # another browser (a context of its own) with the URL
    elsewhere.goto(page.url)
    expect(elsewhere.get_by_text("Please finish in the browser where you began")).to_be_visible()
    expect(elsewhere.get_by_label("Password")).to_have_count(0)
    elsewhere.close()

    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in and add Staff sign-in").click()
    expect(page.get_by_text("Wrong password.")).to_be_visible()
    assert "auth.failed key=user:1 consecutive_failures=1" in setup.app.output
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in and add Staff sign-in").click()
    expect(page).to_have_url(f"{base}/profile")
    expect(page.get_by_text("Login: alice.local")).to_be_visible()
    page.close()
    assert [u["login"] for u in setup.users()] == ["alice.local"]  # linked, nothing new

    returning = browser.new_page()  # a new browser: the service alone signs in now
    click_service(returning, base, next_path="/profile")
    sign_in_at_provider(returning, "alice")
    expect(returning).to_have_url(f"{base}/profile")
    expect(returning.get_by_text("Login: alice.local")).to_be_visible()
    returning.close()


def test_an_unproven_address_takes_nothing_away(browser: Browser, setup: Setup) -> None:
    """An address typed by an administrator was never proven: the service's newcomer,
    whose address the service vouches for, registers with it."""
    setup.configure()
    setup.local_user("alice.local", "alice@example.org")
    page = browser.new_page()
    click_service(page, setup.app.base_url, next_path="/profile")
    sign_in_at_provider(page, "alice")
    expect(page).to_have_url(f"{setup.app.base_url}/profile")
    page.close()
    assert [u["login"] for u in setup.users()] == ["alice.local", "staff_alice"]
