"""The registration form (issue 20, point 1) in the simulated browser: when it is open,
every bad input at its field, the letter and its link, the same answer for a known
address, "verify before" and "later", sending the link again, throttling, and the links
that do nothing (expired, used, altered, another account was first)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from nicegui.testing import User
from sqlmodel import select

from admin_app.auth import registration
from models import mail_links
from models.db import session_scope
from models.mail_links import Purpose
from models.options import registration_options
from models.tables import User as UserRow
from models.tables import utcnow
from models.users import find_by_login, set_verified_email
from tests.support.accounts import PASSWORD, RETRIES, add_user, sign_in
from tests.support.outbox_letters import letters, link_path

NEW_PASSWORD = "a long enough secret"
VERIFY = "/register/verify"


@pytest.fixture
def mail_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The site sends mail (to nowhere: the letters are read from the outbox). Ask for it
    before ``user``, which starts the app."""
    monkeypatch.setenv("SOCIALSERVICES_SMTP_URL", "smtp://127.0.0.1:9")
    monkeypatch.setenv("SOCIALSERVICES_MAIL_FROM", "Social services <noreply@example.org>")


def open_registration(*, allowed: bool = True, verification: str = "before") -> None:
    with session_scope() as session:
        options = registration_options(session)
        options.allow_self_registration = allowed
        options.email_verification = verification
        session.add(options)


def text_of(user: User, marker: str) -> str:
    element: Any = user.find(marker=marker).elements.pop()
    return str(element.text)


def account(login: str) -> UserRow | None:
    with session_scope() as session:
        return find_by_login(session, login)


async def fill(
    user: User,
    login: str = "newbie",
    email: str = "newbie@example.org",
    password: str = NEW_PASSWORD,
    repeat: str | None = None,
) -> None:
    await user.open("/register")
    user.find(marker="register-login").type(login)
    user.find(marker="register-email").type(email)
    user.find(marker="register-password").type(password)
    user.find(marker="register-repeat_password").type(password if repeat is None else repeat)
    user.find(marker="register-submit").click()


async def register(user: User, login: str = "newbie", email: str = "newbie@example.org") -> str:
    """Register through the form; the path of the letter's link."""
    await fill(user, login, email)
    await user.should_see(marker="register-sent", retries=RETRIES)
    found = [letter for letter in letters(email) if letter.kind == "verify_registration"]
    return link_path(found[-1].text, VERIFY)


async def confirm(user: User, path: str) -> None:
    await user.open(path)
    user.find(marker="verify-confirm").click()


# ------------------------------------------------------------------ open or closed


async def test_closed_while_visitors_may_not_register(mail_on: None, user: User) -> None:
    open_registration(allowed=False)
    await user.open("/register")
    assert "administrator does not let visitors register" in text_of(user, "registration-closed")
    await user.open("/login")
    await user.should_not_see(marker="login-register")
    await user.should_see(marker="login-forgot")


async def test_closed_without_mail(user: User) -> None:
    open_registration()
    await user.open("/register")
    assert "cannot send e-mail" in text_of(user, "registration-closed")
    await user.open("/login")
    await user.should_not_see(marker="login-register")
    await user.should_not_see(marker="login-forgot")


async def test_register_link_in_the_letter_signs_in(mail_on: None, user: User) -> None:
    open_registration()
    await user.open("/login?next=/feed")
    register_link: Any = user.find(marker="login-register").elements.pop()
    assert register_link.props["href"] == "/register?next=/feed"
    await user.open("/login")
    register_link = user.find(marker="login-register").elements.pop()
    # a plain <a>: on click, the simulated user follows only ui.link's href
    await user.open(register_link.props["href"])
    await user.should_see(marker="register-form", retries=RETRIES)
    path = await register(user)
    created = account("newbie")
    assert created is not None and not created.email_verified
    [letter] = letters("newbie@example.org")
    assert letter.subject == "Confirm your e-mail address"
    assert "Hello newbie," in letter.text
    await confirm(user, path)
    await user.should_see(marker="profile-login", retries=RETRIES)
    verified = account("newbie")
    assert verified is not None and verified.email_verified
    await user.open(path)  # the link works once
    assert "used already" in text_of(user, "link-refused")


async def test_link_opened_in_another_browser_verifies_and_asks_to_sign_in(
    mail_on: None, user: User
) -> None:
    open_registration()
    path = await register(user)
    user.http_client.cookies.clear()  # another browser: another browser id
    await confirm(user, path)
    await user.should_see(marker="verify-result", retries=RETRIES)
    assert (
        text_of(user, "verify-result") == "Your e-mail address is confirmed. You can sign in now."
    )
    await user.should_see(marker="to-login")
    verified = account("newbie")
    assert verified is not None and verified.email_verified
    await sign_in(user, "newbie", NEW_PASSWORD)
    await user.should_see(marker="profile-login", retries=RETRIES)


# ---------------------------------------------------------------- bad input, known


async def test_every_bad_input_is_said_at_its_field(mail_on: None, user: User) -> None:
    open_registration()
    add_user("taken")
    await fill(user, "taken", "not an address", "short", "other")
    await user.should_see(marker="problem-login", retries=RETRIES)
    assert text_of(user, "problem-login") == "This login is already taken."
    assert text_of(user, "problem-email") == "This is not a valid e-mail address."
    assert text_of(user, "problem-password") == "A password has 8 to 1024 characters."
    assert text_of(user, "problem-repeat_password") == "The two passwords differ."
    await fill(user, "x", "someone@example.org", "someone@example.org")
    await user.should_see(marker="problem-password", retries=RETRIES)
    assert text_of(user, "problem-login").startswith("A login has 3 to 100 characters")
    assert (
        text_of(user, "problem-password") == "A password may not be your login or e-mail address."
    )
    await fill(user, "newcomer", "n@example.org", "Newcomer")
    await user.should_see(marker="problem-password", retries=RETRIES)
    assert text_of(user, "problem-password").startswith("A password may not be your login")
    assert account("newcomer") is None and letters("n@example.org") == []


async def test_a_known_address_gets_the_same_answer_and_a_warning_letter(
    mail_on: None, user: User
) -> None:
    open_registration()
    owner_id = add_user("owner")
    with session_scope() as session:
        owner = session.get(UserRow, owner_id)
        assert owner is not None
        set_verified_email(session, owner, "owner@example.org")
    await fill(user, "intruder", "OWNER@example.org")
    await user.should_see(marker="register-sent", retries=RETRIES)
    known_page = text_of(user, "register-sent")
    await fill(user, "stranger", "stranger@example.org")
    await user.should_see(marker="register-sent", retries=RETRIES)
    assert text_of(user, "register-sent") == known_page
    assert account("intruder") is None  # "before": no account for an address proven by another
    [warning] = letters("OWNER@example.org")
    assert warning.kind == "registration_attempt"
    assert "already belongs to an account here" in warning.text
    assert "/password/forgot" in warning.text and "/login" in warning.text


async def test_an_address_only_typed_by_another_account_can_be_registered(
    mail_on: None, user: User
) -> None:
    """An unverified address proves nothing: it takes nothing away from its owner; whoever
    follows the link first owns it, the other link then says so."""
    open_registration()
    first = await register(user, "first", "shared@example.org")
    user.http_client.cookies.clear()
    second = await register(user, "second", "shared@example.org")
    await confirm(user, second)
    await user.should_see(marker="profile-login", retries=RETRIES)
    user.http_client.cookies.clear()
    await confirm(user, first)
    await user.should_see(marker="verify-result", retries=RETRIES)
    assert text_of(user, "verify-result").startswith("Another account confirmed this address")
    first_account = account("first")
    assert first_account is not None and not first_account.email_verified


# ------------------------------------------------------------- before and later


async def test_before_mode_refuses_sign_in_and_sends_the_link_again(
    mail_on: None, user: User
) -> None:
    open_registration(verification="before")
    old = await register(user)
    await sign_in(user, "newbie", "a wrong password")
    await user.should_see(marker="login-error", retries=RETRIES)
    assert text_of(user, "login-error") == "Wrong login or password."
    await user.should_not_see(marker="login-resend")
    await sign_in(user, "newbie", NEW_PASSWORD)
    await user.should_see(marker="login-resend", retries=RETRIES)
    assert text_of(user, "login-error").startswith("Your e-mail address is not confirmed yet")
    user.find(marker="login-resend").click()
    await user.should_see("We sent the link again.", retries=RETRIES)
    assert [letter.kind for letter in letters("newbie@example.org")] == ["verify_registration"] * 2
    await user.open(old)  # the older link stopped working
    assert "not valid" in text_of(user, "link-refused")
    new = link_path(letters("newbie@example.org")[-1].text, VERIFY)
    await confirm(user, new)
    await user.should_see(marker="profile-login", retries=RETRIES)


async def test_accounts_made_otherwise_sign_in_with_an_unverified_address(user: User) -> None:
    """In "before" mode only the form's accounts wait: an administrator's never does."""
    open_registration(verification="before")
    add_user("alice")
    await sign_in(user, "alice", PASSWORD)
    await user.should_see(marker="profile-login", retries=RETRIES)


async def test_later_mode_signs_in_at_once_and_the_link_verifies(mail_on: None, user: User) -> None:
    open_registration(verification="later")
    await fill(user)
    await user.should_see(marker="profile-login", retries=RETRIES)
    created = account("newbie")
    assert created is not None and not created.email_verified
    path = link_path(letters("newbie@example.org")[-1].text, VERIFY)
    await confirm(user, path)
    await user.should_see(marker="verify-result", retries=RETRIES)
    assert text_of(user, "verify-result") == "Your e-mail address is confirmed."
    verified = account("newbie")
    assert verified is not None and verified.email_verified


async def test_later_mode_with_a_known_address_makes_the_account_and_warns_the_owner(
    mail_on: None, user: User
) -> None:
    """In "later" mode a refusal would tell that the address is known: the account is made,
    its address unproven for good, and the owner is told."""
    open_registration(verification="later")
    owner_id = add_user("owner")
    with session_scope() as session:
        owner = session.get(UserRow, owner_id)
        assert owner is not None
        set_verified_email(session, owner, "owner@example.org")
    await fill(user, "intruder", "owner@example.org")
    await user.should_see(marker="profile-login", retries=RETRIES)
    intruder = account("intruder")
    assert intruder is not None and not intruder.email_verified
    assert [letter.kind for letter in letters("owner@example.org")] == ["registration_attempt"]


# -------------------------------------------------------------------- throttling


async def test_letters_per_address_are_counted_silently(mail_on: None, user: User) -> None:
    open_registration()
    for number in range(registration.LETTERS_PER_ADDRESS + 1):
        user.http_client.cookies.clear()
        await fill(user, f"login{number}", "flooded@example.org")
        await user.should_see(marker="register-sent", retries=RETRIES)
    assert len(letters("flooded@example.org")) == registration.LETTERS_PER_ADDRESS
    assert account(f"login{registration.LETTERS_PER_ADDRESS}") is None


async def test_a_client_registering_too_often_is_told(
    mail_on: None, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registration, "REGISTRATIONS_PER_CLIENT", 2)
    open_registration()
    for number in range(2):
        await fill(user, f"login{number}", f"person{number}@example.org")
        await user.should_see(marker="register-sent", retries=RETRIES)
    await fill(user, "login2", "person2@example.org")
    await user.should_see(marker="register-error", retries=RETRIES)
    assert text_of(user, "register-error") == (
        "Too many attempts from your network. Try again in an hour."
    )
    assert account("login2") is None


# ------------------------------------------------------------------------ links


async def test_expired_and_altered_links_do_nothing(mail_on: None, user: User) -> None:
    open_registration()
    path = await register(user)
    await user.open(path + "x")
    assert text_of(user, "link-refused").startswith("This link is not valid")
    created = account("newbie")
    assert created is not None and created.id is not None
    with session_scope() as session:
        token = mail_links.make(
            session,
            Purpose.VERIFY_REGISTRATION,
            email="newbie@example.org",
            user_id=created.id,
            now=utcnow() - timedelta(days=3),
        )
    await user.open(f"{VERIFY}?token={token}")
    assert text_of(user, "link-refused") == "This link has expired. Ask for a new one."
    await user.open(VERIFY)
    assert text_of(user, "link-refused").startswith("This link is not valid")
    with session_scope() as session:
        rows = session.exec(select(UserRow).where(UserRow.login == "newbie")).all()
        assert [row.email_verified for row in rows] == [False]
