"""Registration and a forgotten password in Chromium, with the real app sending to a real
SMTP server (issue 20, points 1 and 2): register → the link in the letter → signed in;
forgot password → link → new password → another browser's session is gone; the mail
server down while registering (the page says the letter will come, and it does once the
server is back); a reused and an altered link."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.app_server import AppServer, make_app_server
from tests.support.browser_sign_in import sign_in
from tests.support.smtp_server import SmtpServer, link_in, text_of

PASSWORD = "a long enough password"
NEW_PASSWORD = "another long password"
REGISTRATION_OPEN = """\
registration:
  allow_self_registration: true
  allow_social_registration: true
  email_verification: before
  denied_auth_groups: []
  denied_link_groups: []
"""


@pytest.fixture
def mailing_app(tmp_path: Path, smtp: SmtpServer) -> Iterator[AppServer]:
    """The app sending through ``smtp``, visitors allowed to register themselves."""
    app = make_app_server(
        tmp_path, smtp_url=smtp.url, mail_from="Social services <noreply@example.org>"
    )
    app.start()
    config = tmp_path / "registration.yaml"
    config.write_text(REGISTRATION_OPEN)
    imported = app.cli("config", "import", str(config))
    assert imported.returncode == 0, imported.stderr
    yield app
    app.stop()


def fill_registration(page: Page, base: str, login: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_role("link", name="Register").click()
    page.get_by_label("Login", exact=True).fill(login)
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Register").click()


def confirm(page: Page, link: str) -> None:
    page.goto(link)
    page.get_by_role("button", name="Confirm my address").click()


def test_register_follow_the_link_signed_in(
    browser: Browser, mailing_app: AppServer, smtp: SmtpServer
) -> None:
    base = mailing_app.base_url
    page = browser.new_page()
    fill_registration(page, base, "newbie", "newbie@example.org")
    expect(page.get_by_text("We sent a letter to the address you gave.")).to_be_visible()
    letter = smtp.wait_for("newbie@example.org")
    assert letter["Subject"] == "Confirm your e-mail address"
    assert "Hello newbie," in text_of(letter)
    link = link_in(letter)
    assert link.startswith(f"{base}/register/verify?token=")

    sign_in(page, base, "newbie", PASSWORD)  # "verify before the first sign-in"
    expect(page.get_by_role("alert")).to_contain_text("Your e-mail address is not confirmed yet")
    expect(page.get_by_role("button", name="Send the link again")).to_be_visible()

    confirm(page, link)
    expect(page.get_by_text("Login: newbie")).to_be_visible()
    confirm_again = browser.new_page()
    confirm_again.goto(link)  # the link works once
    expect(confirm_again.get_by_role("alert")).to_have_text(
        "This link was used already: each link works once. Ask for a new one if needed."
    )
    confirm_again.goto(link[:-4] + "AAAA")  # altered
    expect(confirm_again.get_by_role("alert")).to_contain_text("This link is not valid")


def test_forgotten_password_ends_the_other_browsers_session(
    browser: Browser, mailing_app: AppServer, smtp: SmtpServer
) -> None:
    created = mailing_app.cli(
        "user",
        "create",
        "--login",
        "alice",
        "--email",
        "alice@example.org",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert created.returncode == 0, created.stderr
    base = mailing_app.base_url
    elsewhere = browser.new_context().new_page()
    sign_in(elsewhere, base, "alice", PASSWORD, next_path="/profile")
    expect(elsewhere.get_by_text("Login: alice")).to_be_visible()

    page = browser.new_context().new_page()
    page.goto(f"{base}/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Login or e-mail").fill("alice@example.org")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("status")).to_contain_text("If this login or address belongs")
    letter = smtp.wait_for("alice@example.org")
    assert letter["Subject"] == "Choose a new password"
    link = link_in(letter)

    page.goto(link)
    expect(page.get_by_text("Choose a new password for alice.")).to_be_visible()
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat it", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_text("Login: alice")).to_be_visible()

    elsewhere.goto(f"{base}/profile")  # signed out there
    expect(elsewhere).to_have_url(f"{base}/login?next=/profile")
    page.goto(link)  # used
    expect(page.get_by_role("alert")).to_contain_text("This link was used already")
    page.goto(link.replace("token=", "token=x"))  # altered
    expect(page.get_by_role("alert")).to_contain_text("This link is not valid")
    sign_in(elsewhere, base, "alice", NEW_PASSWORD, next_path="/profile")
    expect(elsewhere.get_by_text("Login: alice")).to_be_visible()


def test_mail_server_down_while_registering_the_letter_comes_later(
    browser: Browser, mailing_app: AppServer, smtp: SmtpServer
) -> None:
    smtp.stop()
    base = mailing_app.base_url
    page = browser.new_page()
    fill_registration(page, base, "patient", "patient@example.org")
    expect(page.get_by_text("We sent a letter to the address you gave.")).to_be_visible()
    expect(page.get_by_text("longer if our mail server is busy: it will come")).to_be_visible()
    page.wait_for_timeout(2000)  # the first attempt fails meanwhile
    assert smtp.messages_to("patient@example.org") == []
    smtp.start()  # back, on the same port: the next attempt (about 30 s later) delivers
    letter = smtp.wait_for("patient@example.org", timeout=90)
    confirm(page, link_in(letter))
    expect(page.get_by_text("Login: patient")).to_be_visible()
