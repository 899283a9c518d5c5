"""Changing one's e-mail address in Chromium, with the real app sending to a real SMTP
server (issue 20, point 3): the letter reaches the new address, its link makes the address
the account's, verified, and the old address is told."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.support.app_server import AppServer, make_app_server
from tests.support.browser_sign_in import sign_in
from tests.support.smtp_server import SmtpServer, link_in, text_of

PASSWORD = "a long enough password"


@pytest.fixture
def mailing_app(tmp_path: Path, smtp: SmtpServer) -> Iterator[AppServer]:
    app = make_app_server(
        tmp_path, smtp_url=smtp.url, mail_from="Social services <noreply@example.org>"
    )
    app.start()
    yield app
    app.stop()


def test_a_new_address_counts_once_the_mailed_link_is_followed(
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
    page = browser.new_page()
    sign_in(page, base, "alice", PASSWORD, next_path="/profile")
    expect(page.get_by_text("Login: alice")).to_be_visible()
    expect(page.get_by_text("Your address is not verified.")).to_be_visible()
    page.get_by_label("E-mail").fill("alicia@example.net")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Waiting for confirmation")).to_contain_text(
        "alicia@example.net"
    )

    letter = smtp.wait_for("alicia@example.net")
    assert letter["Subject"] == "Confirm your new e-mail address"
    assert "alice" in text_of(letter)
    other = browser.new_page()  # any browser: the mailbox is the proof
    other.goto(link_in(letter))
    expect(other.get_by_text("Make alicia@example.net the e-mail address")).to_be_visible()
    other.get_by_role("button", name="Confirm").click()
    expect(other.get_by_role("status")).to_have_text(
        "alicia@example.net is now your verified e-mail address."
    )
    other.reload()  # the link works once
    expect(other.get_by_role("alert")).to_have_text(
        "This link was used already: each link works once."
    )

    notice = smtp.wait_for("alice@example.org")
    assert notice["Subject"] == "Your e-mail address was changed"
    assert "from alice@example.org to alicia@example.net" in text_of(notice)
    page.reload()
    expect(page.get_by_label("E-mail")).to_have_value("alicia@example.net")
    expect(page.get_by_text("Your address is verified.")).to_be_visible()
