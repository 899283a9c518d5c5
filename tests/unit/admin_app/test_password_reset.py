"""A forgotten password (issue 20, point 2) in the simulated browser: the same answer for
every login or address, the letter and its link, the new password ending every session,
the links that do nothing, throttling, and a site that sends no mail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from nicegui.testing import User
from sqlmodel import select

from admin_app.auth import password_reset
from models import audit, auth_sessions, login_throttle, mail_links
from models.db import session_scope
from models.mail_links import Purpose
from models.passwords import verify_password
from models.tables import LoginThrottle, utcnow
from models.tables import User as UserRow
from models.users import set_verified_email
from tests.support.accounts import PASSWORD, RETRIES, add_user, sign_in
from tests.support.outbox_letters import letters, link_path

NEW_PASSWORD = "a brand new password"
RESET = "/password/reset"


@pytest.fixture
def mail_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The site sends mail (to nowhere: the letters are read from the outbox). Ask for it
    before ``user``, which starts the app."""
    monkeypatch.setenv("SOCIALSERVICES_SMTP_URL", "smtp://127.0.0.1:9")
    monkeypatch.setenv("SOCIALSERVICES_MAIL_FROM", "Social services <noreply@example.org>")


def text_of(user: User, marker: str) -> str:
    element: Any = user.find(marker=marker).elements.pop()
    return str(element.text)


def row(user_id: int) -> UserRow:
    with session_scope() as session:
        found = session.get(UserRow, user_id)
        assert found is not None
        return found


async def ask(user: User, identifier: str) -> str:
    """Ask for a reset link; the answer the page gives."""
    await user.open("/password/forgot")
    user.find(marker="forgot-identifier").type(identifier)
    user.find(marker="forgot-submit").click()
    await user.should_see(marker="forgot-sent", retries=RETRIES)
    return text_of(user, "forgot-sent")


def reset_path(email: str) -> str:
    found = [letter for letter in letters(email) if letter.kind == "reset_password"]
    return link_path(found[-1].text, RESET)


async def choose(user: User, path: str, new: str = NEW_PASSWORD, repeat: str | None = None) -> None:
    await user.open(path)
    user.find(marker="reset-new_password").type(new)
    user.find(marker="reset-repeat_password").type(new if repeat is None else repeat)
    user.find(marker="reset-submit").click()


async def test_the_answer_is_the_same_for_every_login_and_address(
    mail_on: None, user: User
) -> None:
    add_user("alice")
    add_user("blocked", active=False)
    answers = {
        await ask(user, name)
        for name in ("alice", "ALICE@example.org", "nobody", "nobody@example.org", "blocked")
    }
    assert len(answers) == 1
    assert [letter.kind for letter in letters("alice@example.org")] == ["reset_password"] * 2
    assert letters("nobody@example.org") == [] and letters("blocked@example.org") == []
    [first, _second] = letters("alice@example.org")
    assert first.subject == "Choose a new password" and "Hello alice," in first.text


async def test_the_link_sets_the_password_ends_every_session_and_signs_in(
    mail_on: None, user: User
) -> None:
    alice = add_user("alice")
    with session_scope() as session:
        elsewhere = auth_sessions.create_active(session, user_id=alice)
        login_throttle.record_failure(
            session, login_throttle.throttle_key(user_id=alice, identifier="")
        )
    await ask(user, "alice")
    await ask(user, "alice")
    older, newer = (link_path(letter.text, RESET) for letter in letters("alice@example.org"))
    await choose(user, newer)
    await user.should_see(marker="profile-login", retries=RETRIES)
    account = row(alice)
    assert verify_password(account.password_hash, NEW_PASSWORD)
    assert account.email_verified  # the letter reached the address: it is proven now
    with session_scope() as session:
        assert auth_sessions.user_of(session, elsewhere) is None
        assert session.exec(select(LoginThrottle)).all() == []
        [entry] = [e for e in audit.entries(session) if e.action == "password.reset"]
        assert entry.actor_login == "alice" and entry.details == {"sessions_ended": 1}
    await user.open(older)  # the other reset links were cancelled
    assert text_of(user, "link-refused").startswith("This link is not valid")
    await user.open(newer)  # and this one works once
    assert text_of(user, "link-refused").startswith("This link was used already")


async def test_the_new_password_is_checked_at_its_fields(mail_on: None, user: User) -> None:
    alice = add_user("alice")
    await ask(user, "alice")
    path = reset_path("alice@example.org")
    await choose(user, path, "short", "other")
    await user.should_see(marker="problem-new_password", retries=RETRIES)
    assert text_of(user, "problem-new_password") == "A password has 8 to 1024 characters."
    assert text_of(user, "problem-repeat_password") == "The two passwords differ."
    await choose(user, path, "alice@example.org")
    await user.should_see(marker="problem-new_password", retries=RETRIES)
    assert text_of(user, "problem-new_password").startswith("A password may not be your login")
    assert verify_password(row(alice).password_hash, PASSWORD)
    await choose(user, path)  # the link still works after the refusals
    await user.should_see(marker="profile-login", retries=RETRIES)


async def test_expired_altered_and_stale_links_do_nothing(mail_on: None, user: User) -> None:
    alice = add_user("alice")
    with session_scope() as session:
        expired = mail_links.make(
            session,
            Purpose.RESET_PASSWORD,
            email="alice@example.org",
            user_id=alice,
            now=utcnow() - timedelta(hours=2),
        )
    await user.open(f"{RESET}?token={expired}")
    assert text_of(user, "link-refused") == "This link has expired. Ask for a new one."
    await ask(user, "alice")
    path = reset_path("alice@example.org")
    await user.open(path[:-3])
    assert text_of(user, "link-refused").startswith("This link is not valid")
    with session_scope() as session:  # blocked after the letter was sent
        account = session.get(UserRow, alice)
        assert account is not None
        account.is_active = False
    await user.open(path)
    assert text_of(user, "link-refused").startswith("This link is not valid")
    assert verify_password(row(alice).password_hash, PASSWORD)


async def test_a_form_sent_after_the_link_was_used_elsewhere_is_refused(
    mail_on: None, user: User
) -> None:
    alice = add_user("alice")
    await ask(user, "alice")
    path = reset_path("alice@example.org")
    await user.open(path)  # the form is shown; the link is used only when it is sent
    token = path.partition("token=")[2]
    with session_scope() as session:  # another tab used it meanwhile
        assert not isinstance(
            mail_links.use(session, token, Purpose.RESET_PASSWORD, ""), mail_links.LinkRefusal
        )
    user.find(marker="reset-new_password").type(NEW_PASSWORD)
    user.find(marker="reset-repeat_password").type(NEW_PASSWORD)
    user.find(marker="reset-submit").click()
    await user.should_see(marker="link-refused", retries=RETRIES)
    assert text_of(user, "link-refused").startswith("This link was used already")
    assert verify_password(row(alice).password_hash, PASSWORD)


async def test_an_address_proven_by_another_account_stays_with_it(
    mail_on: None, user: User
) -> None:
    """An account whose unproven address another account has proven since: the letter goes
    to the address on file, the password is reset, the address stays unproven."""
    owner = add_user("owner")
    typist = add_user("typist")
    with session_scope() as session:
        account = session.get(UserRow, typist)
        assert account is not None
        account.email, account.email_lower = "owner@example.org", "owner@example.org"
        owner_row = session.get(UserRow, owner)
        assert owner_row is not None
        set_verified_email(session, owner_row, "owner@example.org")
    await ask(user, "typist")
    path = next(
        link_path(letter.text, RESET)
        for letter in letters("owner@example.org")
        if "Hello typist," in letter.text
    )
    await choose(user, path)
    await user.should_see(marker="profile-login", retries=RETRIES)
    assert not row(typist).email_verified and row(owner).email_verified


async def test_throttled_per_address_silently_and_per_client_plainly(
    mail_on: None, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_user("alice")
    for _ in range(password_reset.LETTERS_PER_ADDRESS + 1):
        await ask(user, "alice")
    assert len(letters("alice@example.org")) == password_reset.LETTERS_PER_ADDRESS
    monkeypatch.setattr(
        password_reset, "REQUESTS_PER_CLIENT", password_reset.LETTERS_PER_ADDRESS + 1
    )
    await user.open("/password/forgot")
    user.find(marker="forgot-identifier").type("nobody")
    user.find(marker="forgot-submit").click()
    await user.should_see(marker="forgot-error", retries=RETRIES)
    assert text_of(user, "forgot-error") == (
        "Too many attempts from your network. Try again in an hour."
    )


async def test_without_mail_the_form_says_why(user: User) -> None:
    await user.open("/password/forgot")
    assert "cannot send e-mail" in text_of(user, "reset-closed")


async def test_the_login_page_links_to_the_form(mail_on: None, user: User) -> None:
    add_user("alice")
    await user.open("/login")
    forgot_link: Any = user.find(marker="login-forgot").elements.pop()
    # a plain <a>: on click, the simulated user follows only ui.link's href
    await user.open(forgot_link.props["href"])
    await user.should_see(marker="forgot-form", retries=RETRIES)
    await sign_in(user, "alice")
    await user.should_see(marker="profile-login", retries=RETRIES)
