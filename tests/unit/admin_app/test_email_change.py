"""Changing one's e-mail address on the profile (issue 20, point 3), in the simulated
browser: the letter to the new address and its link, the old address told, refusals of
links, a taken address answered like any other, and a site that sends no mail."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from nicegui import ui
from nicegui.testing import User
from sqlmodel import col, select

from admin_app.core import runtime
from admin_app.mail.outbox import TEXT_PLACE
from models import mail_links
from models.db import session_scope
from models.mail_links import Purpose
from models.tables import MailMessage, utcnow
from models.tables import User as UserRow
from models.users import set_verified_email
from tests.support.accounts import RETRIES, add_user, sign_in

LINK = re.compile(r"https?://\S+/email/confirm\?token=\S+")


@pytest.fixture
def mail_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The site sends mail (to nowhere: the letters are read from the outbox). Ask for it
    before ``user``, which starts the app."""
    monkeypatch.setenv("SOCIALSERVICES_SMTP_URL", "smtp://127.0.0.1:9")
    monkeypatch.setenv("SOCIALSERVICES_MAIL_FROM", "Social services <noreply@example.org>")


def letters(recipient: str) -> list[tuple[str, str, str]]:
    """(kind, subject, plain text) of the letters queued for ``recipient``, oldest first."""
    keyring = runtime.keyring()
    with session_scope() as session:
        rows = session.exec(
            select(MailMessage)
            .where(MailMessage.recipient == recipient)
            .order_by(col(MailMessage.id))
        )
        return [(r.kind, r.subject, keyring.decrypt(r.body_text, TEXT_PLACE)) for r in rows]


def link_path(text: str) -> str:
    found = LINK.search(text)
    assert found is not None, text
    url = urlsplit(found.group(0))
    return f"{url.path}?{url.query}"


def account(user_id: int) -> UserRow:
    with session_scope() as session:
        row = session.get(UserRow, user_id)
        assert row is not None
        return row


def verify(user_id: int) -> None:
    with session_scope() as session:
        row = session.get(UserRow, user_id)
        assert row is not None and row.email
        set_verified_email(session, row, row.email)


async def open_profile(user: User, login: str) -> None:
    await sign_in(user, login)
    await user.should_see(f"Login: {login}", retries=RETRIES)
    await user.open("/profile")


async def ask_for(user: User, email: str) -> None:
    user.find(marker="details-email").clear().type(email)
    user.find(marker="details-save").click()


async def test_the_new_address_counts_once_its_link_is_followed(mail_on: None, user: User) -> None:
    alice = add_user("alice")
    verify(alice)
    await open_profile(user, "alice")
    await user.should_see("Your address is verified.")
    await ask_for(user, "Alicia@example.org")
    await user.should_see("A link was sent to Alicia@example.org", retries=RETRIES)
    await user.should_see("Waiting for confirmation of Alicia@example.org")
    assert (account(alice).email, account(alice).email_verified) == ("alice@example.org", True)
    ((kind, subject, text),) = letters("Alicia@example.org")
    assert (kind, subject) == ("change_email", "Confirm your new e-mail address")
    assert "alice" in text and "24 hours" in text
    path = link_path(text)
    await user.open(path)  # opening it changes nothing yet (mail scanners open links too)
    await user.should_see("Make Alicia@example.org the e-mail address of the account alice?")
    assert account(alice).email == "alice@example.org"
    user.find(marker="confirm-button").click()
    await user.should_see("Alicia@example.org is now your verified e-mail address.")
    changed = account(alice)
    assert (changed.email, changed.email_lower, changed.email_verified) == (
        "Alicia@example.org",
        "alicia@example.org",
        True,
    )
    ((kind, subject, text),) = letters("alice@example.org")
    assert (kind, subject) == ("email_changed", "Your e-mail address was changed")
    assert "from alice@example.org to Alicia@example.org" in text and "not you" in text
    await user.open(path)
    await user.should_see("This link was used already: each link works once.")
    await user.open("/profile")
    await user.should_see("Your address is verified.")
    await user.should_not_see(marker="email-pending")
    (field,) = user.find(marker="details-email").elements
    assert isinstance(field, ui.input) and field.value == "Alicia@example.org"


async def test_altered_expired_and_replaced_links_are_refused(mail_on: None, user: User) -> None:
    alice = add_user("alice")
    await open_profile(user, "alice")
    await ask_for(user, "new@example.org")
    await user.should_see("Waiting for confirmation of new@example.org", retries=RETRIES)
    first = link_path(letters("new@example.org")[0][2])
    await user.open(first + "x")
    await user.should_see("This link is not valid")
    await user.open("/email/confirm")
    await user.should_see("This link is not valid")
    await user.open("/profile")
    user.find(marker="email-send-again").click()
    await user.should_see("A new link is on its way.", retries=RETRIES)
    second = link_path(letters("new@example.org")[1][2])
    await user.open(first)  # replaced by the newer letter's
    await user.should_see("This link is not valid")
    with session_scope() as session:
        old = mail_links.make(
            session,
            Purpose.CHANGE_EMAIL,
            email="old@example.org",
            user_id=alice,
            now=utcnow() - timedelta(days=2),
        )
    await user.open(f"/email/confirm?token={old}")
    await user.should_see("This link has expired.")
    await user.open("/profile")
    user.find(marker="email-cancel").click()
    await user.should_see("The change is cancelled", retries=RETRIES)
    await user.should_not_see(marker="email-pending")
    await user.open(second)
    await user.should_see("This link is not valid")
    assert account(alice).email == "alice@example.org"


async def test_a_taken_address_is_answered_like_any_other(mail_on: None, user: User) -> None:
    alice = add_user("alice")
    verify(add_user("bob"))
    await open_profile(user, "alice")
    await ask_for(user, "BOB@example.org")
    await user.should_see("Waiting for confirmation of BOB@example.org", retries=RETRIES)
    ((kind, subject, text),) = letters("BOB@example.org")
    assert (kind, subject) == ("change_email_taken", "This e-mail address already has an account")
    assert "nothing was changed" in text and LINK.search(text) is None
    assert account(alice).email == "alice@example.org"


async def test_an_address_proved_by_another_account_meanwhile_changes_nothing(
    mail_on: None, user: User
) -> None:
    alice = add_user("alice")
    carol = add_user("carol")
    await open_profile(user, "alice")
    await ask_for(user, "shared@example.org")
    await user.should_see("Waiting for confirmation", retries=RETRIES)
    path = link_path(letters("shared@example.org")[0][2])
    with session_scope() as session:
        row = session.get(UserRow, carol)
        assert row is not None
        set_verified_email(session, row, "shared@example.org")
    await user.open(path)
    user.find(marker="confirm-button").click()
    await user.should_see("Another account confirmed this address first, so nothing was changed.")
    assert (account(alice).email, account(alice).email_verified) == ("alice@example.org", False)
    assert letters("alice@example.org") == []


async def test_an_unverified_address_can_be_proved_and_letters_are_throttled(
    mail_on: None, user: User
) -> None:
    alice = add_user("alice")
    await open_profile(user, "alice")
    await user.should_see("Your address is not verified.")
    user.find(marker="email-verify").click()
    await user.should_see("A confirmation link is on its way.", retries=RETRIES)
    path = link_path(letters("alice@example.org")[0][2])
    await user.open(path)
    user.find(marker="confirm-button").click()
    await user.should_see("alice@example.org is now your verified e-mail address.")
    assert account(alice).email_verified
    await user.open("/profile")
    for number in range(3):
        await ask_for(user, f"n{number}@example.org")
        await user.should_see(f"Waiting for confirmation of n{number}@example.org")
    await ask_for(user, "n3@example.org")
    await user.should_see("Waiting for confirmation of n3@example.org")
    await ask_for(user, "n4@example.org")  # the sixth letter of the account this hour
    await user.should_see("Too many letters were asked for lately.", retries=RETRIES)
    assert letters("n4@example.org") == []


async def test_without_mail_the_address_is_saved_unverified(user: User) -> None:
    alice = add_user("alice")
    await open_profile(user, "alice")
    await user.should_see("it cannot be, as this site sends no mail")
    await ask_for(user, "alicia@example.org")
    await user.should_see("Your details are saved.", retries=RETRIES)
    saved = account(alice)
    assert (saved.email, saved.email_verified) == ("alicia@example.org", False)
    with session_scope() as session:
        assert session.exec(select(MailMessage)).first() is None


async def test_removing_the_address_is_direct_and_forgets_a_waiting_change(
    mail_on: None, user: User
) -> None:
    alice = add_user("alice")
    verify(alice)
    await open_profile(user, "alice")
    await ask_for(user, "new@example.org")
    await user.should_see("Waiting for confirmation", retries=RETRIES)
    await ask_for(user, "")
    await user.should_see("Your details are saved.", retries=RETRIES)
    await user.should_not_see(marker="email-pending")
    assert (account(alice).email, account(alice).email_verified) == (None, False)
