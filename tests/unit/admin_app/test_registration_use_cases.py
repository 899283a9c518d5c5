"""The use cases behind the registration form and the password reset, without a page, on
SQLite and PostgreSQL (``make test-pg``): the registration link signs in only the browser
that registered, two tabs sending one reset link change the password once, and a reset
through an unproven address proves it."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import delete

from admin_app.auth import password_reset, registration
from admin_app.auth.accounts import sign_in_locally
from admin_app.auth.password_reset import LinkRefusedError
from admin_app.auth.registration import Verified
from admin_app.core import asking
from models import auth_sessions
from models.db import session_scope
from models.mail_links import LinkRefusal
from models.options import registration_options
from models.passwords import verify_password
from models.tables import MailLink, User
from models.users import create_user, find_by_login
from tests.support import mail_setup
from tests.support.outbox_letters import letters, link_path

PASSWORD = "a long enough secret"


@pytest.fixture(autouse=True)
def installation(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    mail_setup.configure(monkeypatch, database_url, "smtp://127.0.0.1:2525")
    with session_scope() as session:
        registration_options(session).allow_self_registration = True
    in_browser(monkeypatch, "browser-1")


def in_browser(monkeypatch: pytest.MonkeyPatch, browser: str) -> None:
    asker = asking.Asker(browser_id=browser, client_address="127.0.0.1", user_agent="test")
    monkeypatch.setattr(asking, "current", lambda: asker)


def token_in(recipient: str, path: str) -> str:
    return link_path(letters(recipient)[-1].text, path).partition("token=")[2]


def account(login: str) -> User:
    with session_scope() as session:
        found = find_by_login(session, login)
        assert found is not None
        return found


async def test_the_link_signs_in_only_the_browser_that_registered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert await registration.register("newbie", "newbie@example.org", PASSWORD, PASSWORD) == (
        registration.Registered()
    )
    refused = await sign_in_locally("newbie", PASSWORD, "/profile")
    assert (refused.error, refused.unverified_user_id) == ("email_unverified", account("newbie").id)
    token = token_in("newbie@example.org", registration.VERIFY_PATH)
    assert registration.link_refusal(token) is None
    in_browser(monkeypatch, "browser-2")
    assert registration.verify(token) == registration.VerifyOutcome(Verified.SIGN_IN)
    assert account("newbie").email_verified
    assert registration.verify(token).result is LinkRefusal.USED
    signed_in = await sign_in_locally("newbie", PASSWORD, "/profile")
    assert signed_in.completion_url is not None


async def test_an_unproven_account_stays_out_after_its_link_is_purged() -> None:
    """In "before" mode the password does not sign in until the address is proven, also
    once the link expired and housekeeping deleted it; a taken login is told whether or
    not the address is known."""
    await registration.register("newbie", "newbie@example.org", PASSWORD, PASSWORD)
    with session_scope() as session:
        session.exec(delete(MailLink))
    refused = await sign_in_locally("newbie", PASSWORD, "/profile")
    assert refused.error == "email_unverified"
    with pytest.raises(registration.RegistrationFormError):
        await registration.register("newbie", "newbie@example.org", PASSWORD, PASSWORD)


async def test_the_same_browser_is_signed_in_by_the_link() -> None:
    await registration.register("newbie", "newbie@example.org", PASSWORD, PASSWORD)
    outcome = registration.verify(token_in("newbie@example.org", registration.VERIFY_PATH))
    assert outcome.result is Verified.SIGNED_IN
    assert outcome.completion_url is not None
    assert outcome.completion_url.startswith("/auth/complete?ticket=")


async def test_two_tabs_sending_one_reset_link_change_the_password_once() -> None:
    with session_scope() as session:
        user = create_user(session, login="alice", email="alice@example.org", password=PASSWORD)
        assert user.id is not None
        other = auth_sessions.create_active(session, user_id=user.id)
    await password_reset.ask_for_reset("alice")
    token = token_in("alice@example.org", password_reset.RESET_PATH)
    results = await asyncio.gather(
        password_reset.reset_password(token, "first new password", "first new password"),
        password_reset.reset_password(token, "second new password", "second new password"),
        return_exceptions=True,
    )
    won = [result for result in results if isinstance(result, str)]
    lost = [result for result in results if isinstance(result, LinkRefusedError)]
    assert len(won) == 1 and len(lost) == 1, results
    assert lost[0].refusal is LinkRefusal.USED
    alice = account("alice")
    assert verify_password(alice.password_hash, "first new password") != verify_password(
        alice.password_hash, "second new password"
    )
    assert alice.email_verified  # the letter reached the address on file
    with session_scope() as session:
        assert auth_sessions.user_of(session, other) is None


async def test_later_mode_lands_where_the_sign_in_was_going() -> None:
    with session_scope() as session:
        registration_options(session).email_verification = "later"
    registered = await registration.register(
        "newbie", "newbie@example.org", PASSWORD, PASSWORD, "/oidc/authorize?client_id=app"
    )
    assert registered.completion_url is not None
    assert registered.completion_url.endswith("&next=/oidc/authorize%3Fclient_id%3Dapp")
