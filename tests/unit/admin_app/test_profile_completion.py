""" "Complete your profile" (admin_app/auth/profile_completion.py): the administrator requires
an address and the service gave none it vouches for; the address is asked for and proven
by a link before the account is made. Round trips go to a fake OpenID provider over real
HTTP; the letters are read from the outbox as the app queued them."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import col, select

from admin_app.auth import existing_account, profile_completion
from admin_app.core import runtime
from admin_app.mail.outbox import TEXT_PLACE
from models.db import session_scope
from models.options import registration_options
from models.tables import LinkedAccount, MailLink, MailMessage, PendingSignup, User
from models.users import create_user, users_after
from tests.support import mail_setup
from tests.support.fakes.openid import FakeOpenIDProvider
from tests.support.social_round_trips import (
    BROWSER,
    configure,
    fake_provider,
    in_browser,
    round_trip,
    signed_in_by,
)

#: what X or Telegram say: an id and a name, no address
TOM = {"sub": "tom-1", "given_name": "Tom"}
LINK = re.compile(r"(http://\S+/signup/email/confirm\?token=\S+)")


@pytest.fixture
def idp() -> Iterator[FakeOpenIDProvider]:
    yield from fake_provider(TOM)


@pytest.fixture(autouse=True)
def installation(
    idp: FakeOpenIDProvider, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    mail_setup.configure(monkeypatch, database_url, "smtp://127.0.0.1:2525")
    configure(idp)
    require_email()
    in_browser(monkeypatch, BROWSER)


def require_email(required: bool = True) -> None:
    with session_scope() as session:
        registration_options(session).require_email = required


async def asked() -> str:
    outcome = await round_trip()
    assert outcome.refusal is None and outcome.auth_token is None, outcome
    assert outcome.next_path.startswith("/signup/email?ticket="), outcome
    return outcome.next_path.split("ticket=", 1)[1]


def letters() -> list[tuple[str, str, str]]:
    """(recipient, subject, text) of every queued letter, oldest first."""
    with session_scope() as session:
        messages = session.exec(select(MailMessage).order_by(col(MailMessage.id))).all()
        keyring = runtime.keyring()
        return [
            (m.recipient, m.subject, keyring.decrypt(m.body_text, TEXT_PLACE)) for m in messages
        ]


def link_in(text: str) -> str:
    found = LINK.search(text)
    assert found, text
    return found.group(1).split("token=", 1)[1]


def users() -> list[User]:
    with session_scope() as session:
        return users_after(session)


async def test_the_address_is_proven_before_the_account_is_made(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    ticket = await asked()
    assert users() == []
    request = profile_completion.look(ticket)
    assert isinstance(request, profile_completion.AddressRequest) and request.suggested == ""
    sent = profile_completion.send_link(ticket, " tom@example.org ")
    assert (sent.error, sent.masked_email) == (None, "t***@example.org")
    assert users() == []  # not before the link is followed
    ((recipient, subject, text),) = letters()
    assert (recipient, subject) == ("tom@example.org", "Confirm your e-mail address")
    assert "To finish creating your account with OpenID Connect, confirm" in text
    followed = profile_completion.follow(link_in(text))
    assert followed.refusal is None and followed.url is not None
    assert followed.url.endswith("&next=/profile")
    (tom,) = users()
    assert (tom.login, tom.email, tom.email_verified, tom.first_name) == (
        "staff_tom-1",
        "tom@example.org",
        True,
        "Tom",
    )
    assert signed_in_by(followed.url) == tom.id
    with session_scope() as session:
        (link,) = session.exec(select(LinkedAccount)).all()
        assert (link.user_id, link.external_id) == (tom.id, "tom-1")
        assert session.exec(select(PendingSignup)).all() == []
    assert f"social.registered service=staff user_id={tom.id} address=mail" in caplog.text
    again = await round_trip()  # linked now: straight in, nothing asked
    assert again.auth_token and len(users()) == 1


async def test_the_link_in_another_browser_does_nothing_and_still_works_in_the_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ticket = await asked()
    profile_completion.send_link(ticket, "tom@example.org")
    token = link_in(letters()[0][2])
    in_browser(monkeypatch, "the phone's browser")
    assert profile_completion.follow(token).refusal == "profile_link_other_browser"
    assert profile_completion.look(ticket) == "held_other_browser"
    assert users() == []
    in_browser(monkeypatch, BROWSER)
    assert profile_completion.follow(token).url is not None
    assert len(users()) == 1


async def test_a_used_expired_or_altered_link_is_refused() -> None:
    ticket = await asked()
    profile_completion.send_link(ticket, "tom@example.org")
    profile_completion.send_link(ticket, "tom@example.org")
    first, second = (link_in(text) for _to, _subject, text in letters())
    assert profile_completion.follow(first + "x").refusal == "profile_link_unknown"
    with session_scope() as session:
        for row in session.exec(select(MailLink)).all():
            row.expires_at -= timedelta(hours=2)
    assert profile_completion.follow(first).refusal == "profile_link_expired"
    with session_scope() as session:
        for row in session.exec(select(MailLink)).all():
            row.expires_at += timedelta(hours=2)
    assert profile_completion.follow(second).url is not None
    assert profile_completion.follow(second).refusal in {
        "profile_link_used",
        "profile_link_unknown",
    }
    assert profile_completion.follow(first).refusal in {"held_gone", "profile_link_unknown"}
    assert len(users()) == 1


async def test_an_address_an_account_has_proven_leads_to_linking_to_it() -> None:
    with session_scope() as session:
        owner = create_user(
            session,
            login="thomas",
            email="tom@example.org",
            password="tom's password",
            email_verified=True,
        )
        owner_id = owner.id
    ticket = await asked()
    fresh = await asked()
    known = profile_completion.send_link(ticket, "tom@example.org")
    unknown = profile_completion.send_link(fresh, "nobody@example.org")
    assert (known.error, unknown.error) == (None, None)  # the page says the same to both
    (to_owner, _to_nobody) = letters()
    assert to_owner[1] == "Sign in to your account to add OpenID Connect"
    assert "already belongs to an account here" in to_owner[2]
    followed = profile_completion.follow(link_in(to_owner[2]))
    assert followed.refusal is None and followed.url is not None
    assert followed.url.startswith("/link/existing?ticket=")
    assert [u.login for u in users()] == ["thomas"]  # nothing made, nothing merged
    offer_ticket = existing_account.ticket_of(followed.url)
    proof = await existing_account.prove_with_password(offer_ticket, "tom's password")
    assert proof.completion_url is not None and signed_in_by(proof.completion_url) == owner_id
    with session_scope() as session:
        (link,) = session.exec(select(LinkedAccount)).all()
        assert (link.user_id, link.external_id) == (owner_id, "tom-1")


async def test_letters_are_throttled_per_address_and_per_client(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ticket = await asked()
    for _ in range(profile_completion.LETTERS_PER_ADDRESS):
        assert profile_completion.send_link(ticket, "tom@example.org").error is None
    assert profile_completion.send_link(ticket, "TOM@example.org").error == "throttled"
    for number in range(
        profile_completion.LETTERS_PER_CLIENT - profile_completion.LETTERS_PER_ADDRESS
    ):
        assert profile_completion.send_link(ticket, f"t{number}@example.org").error is None
    assert profile_completion.send_link(ticket, "last@example.org").error == "throttled"
    assert len(letters()) == profile_completion.LETTERS_PER_CLIENT


async def test_a_bad_address_is_asked_again() -> None:
    ticket = await asked()
    for typed in ("", "tom", "tom@", "a" * 250 + "@example.org", "tom@example.org\nBcc: x@y.z"):
        assert profile_completion.send_link(ticket, typed).error == "invalid_email"
    assert letters() == []


async def test_the_service_s_unverified_address_is_only_suggested(idp: FakeOpenIDProvider) -> None:
    idp.user_profile = {**TOM, "email": "tom@example.org", "email_verified": False}
    ticket = await asked()
    request = profile_completion.look(ticket)
    assert isinstance(request, profile_completion.AddressRequest)
    assert request.suggested == "tom@example.org" and users() == []


async def test_nothing_is_asked_when_not_required_or_the_address_is_vouched_for(
    idp: FakeOpenIDProvider,
) -> None:
    idp.user_profile = {**TOM, "email": "tom@example.org", "email_verified": True}
    assert (await round_trip()).auth_token  # required, and given: registered at once
    require_email(False)
    idp.user_profile = {"sub": "tom-2"}
    assert (await round_trip()).auth_token  # not required: registered without one
    assert [(u.email, u.email_verified) for u in users()] == [
        ("tom@example.org", True),
        (None, False),
    ]


async def test_registration_closed_is_refused_before_asking(idp: FakeOpenIDProvider) -> None:
    configure(idp, registration=False)
    require_email()
    assert (await round_trip()).refusal == "registration_closed"
    assert letters() == [] and users() == []


async def test_without_mail_the_newcomer_is_refused_with_the_reason_in_the_log(
    monkeypatch: pytest.MonkeyPatch, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    mail_setup.configure(monkeypatch, database_url, "")
    outcome = await round_trip()
    assert outcome.refusal == "address_unprovable" and users() == []
    assert "reason=address_unprovable why=an address is required but SOCIALSERVICES_SMTP_URL" in (
        caplog.text
    )
