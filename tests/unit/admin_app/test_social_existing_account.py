""" "This address already has an account" (admin_app/auth/existing_account.py): a service
vouches for an address an account has proven; the person proves the account (password,
or a service linked to exactly it) in the browser that brought the answer, and only then
is the service linked. Round trips go to a fake OpenID provider over real HTTP."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import select

from admin_app.auth import existing_account
from admin_app.auth.purpose import Purpose
from admin_app.auth.round_trip import Outcome
from admin_app.core import startup
from admin_app.core.settings import load_settings
from models import auth_sessions, login_throttle
from models.db import session_scope
from models.tables import PendingSignup, User
from models.users import create_user, users_after
from tests.support.fakes.openid import FakeOpenIDProvider
from tests.support.social_round_trips import (
    BROWSER,
    configure,
    fake_provider,
    in_browser,
    link_owner,
    round_trip,
    signed_in_by,
    signed_in_token,
)

PASSWORD = "alice's own password"
ALICE = {"sub": "alice-1", "email": "alice@example.org", "email_verified": True}


@pytest.fixture
def idp() -> Iterator[FakeOpenIDProvider]:
    yield from fake_provider(ALICE)


@pytest.fixture(autouse=True)
def installation(
    idp: FakeOpenIDProvider, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOCIALSERVICES_DATABASE_URL", database_url)
    startup.prepare(load_settings())
    configure(idp)
    in_browser(monkeypatch, BROWSER)


def owner(login: str = "alice", *, password: str | None = PASSWORD) -> int:
    """An account that has proven alice's address."""
    with session_scope() as session:
        user = create_user(
            session,
            login=login,
            email="alice@example.org",
            password=password,
            email_verified=True,
        )
        assert user.id is not None
        return user.id


async def offered() -> str:
    """A sign-in with alice's service account, linked to nobody: the offer's ticket."""
    outcome = await round_trip()
    assert outcome.refusal is None and outcome.auth_token is None, outcome
    assert outcome.next_path.startswith("/link/existing?ticket="), outcome
    return existing_account.ticket_of(outcome.next_path)


def held() -> int:
    with session_scope() as session:
        return len(session.exec(select(PendingSignup)).all())


# ---------------------------------------------------------------- the offer


async def test_the_offer_names_the_account_masked_and_the_ways_to_prove_it() -> None:
    owner()
    ticket = await offered()
    offer = existing_account.look(ticket, "127.0.0.1:8080")
    assert isinstance(offer, existing_account.LinkOffer)
    assert (offer.masked_email, offer.has_password, offer.proofs) == ("a***@example.org", True, ())
    assert offer.service.service_id == "staff"
    assert [u.login for u in users()] == ["alice"]  # nothing made, nothing linked
    assert link_owner("alice-1") is None


async def test_the_right_password_links_the_service_and_signs_in(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    alice = owner()
    ticket = await offered()
    proof = await existing_account.prove_with_password(ticket, PASSWORD)
    assert proof.error is None and proof.completion_url is not None
    assert proof.completion_url.endswith("&next=/profile")
    assert signed_in_by(proof.completion_url) == alice
    assert link_owner("alice-1") == alice and held() == 0
    assert f"social.linked_existing service=staff user_id={alice} proof=password" in caplog.text
    again = await round_trip()  # a normal link now: straight in
    with session_scope() as session:
        assert auth_sessions.user_of(session, again.auth_token or "") == alice
    assert len(users()) == 1


async def test_a_wrong_password_links_nothing_and_is_throttled_on_that_account() -> None:
    alice = owner()
    ticket = await offered()
    for _ in range(login_throttle.FREE_FAILURES):
        proof = await existing_account.prove_with_password(ticket, "not the password")
        assert (proof.error, proof.completion_url) == ("invalid_password", None)
    throttled = await existing_account.prove_with_password(ticket, PASSWORD)
    assert throttled.error == "throttled" and throttled.wait_seconds > 0
    assert link_owner("alice-1") is None and held() == 1
    with session_scope() as session:  # the sign-in form's count: the same account's
        wait = login_throttle.begin_attempt(
            session, login_throttle.throttle_key(user_id=alice, identifier="alice")
        )
    assert wait > 0


async def test_another_browser_is_told_to_finish_where_it_began(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    owner()
    ticket = await offered()
    in_browser(monkeypatch, "another-browser")
    assert existing_account.look(ticket, None) == "held_other_browser"
    proof = await existing_account.prove_with_password(ticket, PASSWORD)
    assert proof.error == "held_other_browser" and link_owner("alice-1") is None
    in_browser(monkeypatch, BROWSER)  # still works where it began
    assert (await existing_account.prove_with_password(ticket, PASSWORD)).completion_url


async def test_an_expired_altered_or_finished_ticket_does_nothing() -> None:
    owner()
    ticket = await offered()
    assert existing_account.look(ticket + "x", None) == "held_gone"
    with session_scope() as session:
        (pending,) = session.exec(select(PendingSignup)).all()
        pending.expires_at -= timedelta(hours=1)
    assert existing_account.look(ticket, None) == "held_gone"
    assert (await existing_account.prove_with_password(ticket, PASSWORD)).error == "held_gone"
    assert link_owner("alice-1") is None
    fresh = await offered()
    assert (await existing_account.prove_with_password(fresh, PASSWORD)).completion_url
    assert (await existing_account.prove_with_password(fresh, PASSWORD)).error == "held_gone"


async def test_an_account_that_may_not_link_is_refused_before_any_password(
    idp: FakeOpenIDProvider,
) -> None:
    alice = owner()
    configure(idp, denied_link=("registered",))
    outcome = await round_trip()
    assert outcome.refusal == "link_denied" and held() == 0
    configure(idp, denied_auth=("registered",))
    assert (await round_trip()).refusal == "auth_denied_group"
    configure(idp)
    with session_scope() as session:
        user = session.get(User, alice)
        assert user is not None
        user.is_active = False
    assert (await round_trip()).refusal == "user_blocked"
    assert link_owner("alice-1") is None


async def test_the_policy_is_asked_again_when_the_password_is_right(
    idp: FakeOpenIDProvider,
) -> None:
    owner()
    ticket = await offered()
    configure(idp, denied_link=("registered",))  # meanwhile
    proof = await existing_account.prove_with_password(ticket, PASSWORD)
    assert (proof.error, proof.completion_url) == ("link_denied", None)
    assert link_owner("alice-1") is None


async def test_a_blocked_account_reads_as_a_wrong_password() -> None:
    alice = owner()
    ticket = await offered()
    with session_scope() as session:
        user = session.get(User, alice)
        assert user is not None
        user.is_active = False
    assert (await existing_account.prove_with_password(ticket, PASSWORD)).error == (
        "invalid_password"
    )


# ------------------------------------------------ proof by a service linked to it


async def linked_second_account(idp: FakeOpenIDProvider, alice: int) -> None:
    """Alice's other account at the service, linked from her profile."""
    idp.user_profile = {"sub": "alice-2", "email": "alice@work.example", "email_verified": True}
    made = await round_trip(Purpose.LINK, user_id=alice, auth_token=signed_in_token(alice))
    assert made.linked, made
    idp.user_profile = ALICE


async def confirm(idp: FakeOpenIDProvider, ticket: str, sub: str, alice: int) -> Outcome:
    idp.user_profile = {"sub": sub}
    start = existing_account.confirm_start(ticket, "staff", BROWSER)
    assert start == alice, start
    return await round_trip(
        Purpose.CONFIRM, user_id=alice, next_path=existing_account.page_path(ticket)
    )


async def test_a_service_linked_to_the_account_proves_it(idp: FakeOpenIDProvider) -> None:
    alice = owner(password=None)
    await linked_second_account(idp, alice)
    ticket = await offered()
    offer = existing_account.look(ticket, "127.0.0.1:8080")
    assert isinstance(offer, existing_account.LinkOffer)
    assert [s.service_id for s in offer.proofs] == ["staff"] and not offer.has_password
    outcome = await confirm(idp, ticket, "alice-2", alice)
    assert outcome.refusal is None and outcome.next_path == "/profile"
    with session_scope() as session:
        assert auth_sessions.user_of(session, outcome.auth_token or "") == alice
    assert link_owner("alice-1") == alice and held() == 0
    idp.user_profile = ALICE
    again = await round_trip()
    with session_scope() as session:
        assert auth_sessions.user_of(session, again.auth_token or "") == alice


@pytest.mark.parametrize("whose", ["nobody", "someone else"])
async def test_a_service_account_not_linked_to_it_proves_nothing(
    idp: FakeOpenIDProvider, whose: str
) -> None:
    alice = owner()
    await linked_second_account(idp, alice)
    if whose == "someone else":
        with session_scope() as session:
            bob = create_user(session, login="bob", email=None, password=None)
        assert bob.id is not None
        idp.user_profile = {"sub": "bob-1"}
        made = await round_trip(Purpose.LINK, user_id=bob.id, auth_token=signed_in_token(bob.id))
        assert made.linked
        idp.user_profile = ALICE
    ticket = await offered()
    outcome = await confirm(idp, ticket, "bob-1" if whose == "someone else" else "stranger", alice)
    assert outcome.refusal == "not_that_account" and outcome.auth_token is None
    assert outcome.purpose is Purpose.CONFIRM and outcome.next_path.startswith("/link/existing")
    assert link_owner("alice-1") is None and held() == 1  # the password may still prove it


async def test_only_a_service_linked_to_the_account_may_start_a_proof() -> None:
    owner()
    ticket = await offered()
    assert existing_account.confirm_start(ticket, "staff", BROWSER) == "not_that_account"
    assert existing_account.confirm_start(ticket, "staff", "another-browser") == (
        "held_other_browser"
    )


def users() -> list[User]:
    with session_scope() as session:
        return users_after(session)
