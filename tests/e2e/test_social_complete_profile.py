""" "Complete your profile" in Chromium, with the real app sending to a real SMTP server
(issue 20, point 5): the administrator requires an address, the service gives none; the
person types one, the letter reaches it, and its link, opened in the same browser, makes
the account (address verified) signed in. Opened in another browser it is refused, and
still works where it began."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.support.app_server import make_app_server
from tests.support.oidc_provider import OidcProvider
from tests.support.smtp_server import SmtpServer, link_in, text_of
from tests.support.social_setup import (
    ACCOUNTS,
    SERVICE,
    Setup,
    click_service,
    sign_in_at_provider,
)

#: an account at the service that gives a name and no address (as X or Telegram)
TOM = {"given_name": "Tom", "family_name": "Thumb", "name": "Tom Thumb"}


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def mailing_setup(
    tmp_path: Path, smtp: SmtpServer, oidc_provider_factory: Callable[..., OidcProvider]
) -> Iterator[Setup]:
    app = make_app_server(
        tmp_path, smtp_url=smtp.url, mail_from="Social services <noreply@example.org>"
    )
    idp = oidc_provider_factory(
        [f"{app.base_url}/oauth/{SERVICE}/callback"], accounts={**ACCOUNTS, "tom": TOM}
    )
    app.start()
    yield Setup(app, idp, tmp_path)
    app.stop()


def require_email(setup: Setup) -> None:
    """The administrator's "newcomers through a service must give an address"."""
    with sqlite3.connect(setup.app.data_dir / "socialservices.db") as database:
        database.execute("UPDATE registration_options SET require_email = 1")


def test_the_address_is_asked_for_proven_by_mail_then_the_account_is_made(
    browser: Browser, mailing_setup: Setup, smtp: SmtpServer
) -> None:
    setup = mailing_setup
    setup.configure()
    require_email(setup)
    base = setup.app.base_url
    page = browser.new_page()
    click_service(page, base, next_path="/profile")
    sign_in_at_provider(page, "tom")
    expect(page.get_by_text("Staff sign-in did not give us your e-mail address")).to_be_visible()
    assert setup.users() == []
    page.get_by_label("E-mail").fill("tom@example.org")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_text("We sent a link to t***@example.org.")).to_be_visible()

    letter = smtp.wait_for("tom@example.org")
    assert letter["Subject"] == "Confirm your e-mail address"
    assert "To finish creating your account with Staff sign-in" in text_of(letter)
    link = link_in(letter)
    elsewhere = browser.new_page()  # the letter opened on another device
    elsewhere.goto(link)
    expect(
        elsewhere.get_by_text("This link works only in the browser where you began")
    ).to_be_visible()
    elsewhere.close()
    assert setup.users() == []

    page.goto(link)
    expect(page).to_have_url(f"{base}/profile")
    expect(page.get_by_text(f"Login: {SERVICE}_tom")).to_be_visible()
    page.close()
    (tom,) = setup.users()
    assert (tom["login"], tom["email"]) == (f"{SERVICE}_tom", "tom@example.org")
