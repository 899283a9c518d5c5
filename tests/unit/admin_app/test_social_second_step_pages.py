"""The pages of a social sign-in's second step, in NiceGUI's simulated browser: "this
address already has an account" (/link/existing) and "complete your profile"
(/signup/email, and the letter's /signup/email/confirm). The round trip is real: our
routes, a fake OpenID provider over HTTP."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from nicegui.testing import User
from sqlmodel import col, select

from admin_app.core import runtime
from admin_app.mail.outbox import TEXT_PLACE
from models.db import session_scope
from models.options import registration_options
from models.tables import MailMessage
from models.users import create_user
from tests.support.accounts import RETRIES
from tests.support.fakes.openid import FakeOpenIDProvider
from tests.support.mail_setup import SENDER
from tests.support.social_round_trips import configure, fake_provider

PASSWORD = "alice's own password"
ALICE = {"sub": "alice-1", "email": "alice@example.org", "email_verified": True}


@pytest.fixture
def idp() -> Iterator[FakeOpenIDProvider]:
    yield from fake_provider(ALICE)


@pytest.fixture
def mail_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Mail settings for the app the ``user`` fixture starts (name it before ``user``);
    letters are only queued here: nothing is sent."""
    monkeypatch.setenv("SOCIALSERVICES_SMTP_URL", "smtp://127.0.0.1:2525")
    monkeypatch.setenv("SOCIALSERVICES_MAIL_FROM", SENDER)


def owner(password: str | None = PASSWORD) -> None:
    with session_scope() as session:
        create_user(
            session,
            login="alice",
            email="alice@example.org",
            password=password,
            email_verified=True,
        )


async def sign_in_with_service(user: User) -> str:
    """The round trip as a browser makes it; where our callback sends the browser."""
    start = await user.http_client.get("/oauth/staff/login?next=/profile")
    assert start.status_code == 303, start.text
    async with httpx.AsyncClient() as client:
        answer = await client.get(start.headers["location"])
    query = urlsplit(answer.headers["location"]).query
    done = await user.http_client.get(f"/oauth/staff/callback?{query}")
    assert done.status_code == 303
    return str(done.headers["location"])


# ------------------------------------------------------------- /link/existing


async def test_the_password_links_the_service_and_signs_in(
    user: User, idp: FakeOpenIDProvider
) -> None:
    configure(idp)
    owner()
    offer = await sign_in_with_service(user)
    assert offer.startswith("/link/existing?ticket=")
    await user.open(offer)
    await user.should_see(
        "An account with the address a***@example.org already exists. Sign in to it to add "
        "your OpenID Connect account."
    )
    user.find(marker="link-existing-password").type("not it")
    user.find(marker="link-existing-submit").click()
    await user.should_see("Wrong password.", retries=RETRIES)
    user.find(marker="link-existing-password").type(PASSWORD)
    user.find(marker="link-existing-submit").click()
    await user.should_see("Login: alice", retries=RETRIES)
    assert await sign_in_with_service(user) == "/profile"  # straight in from now on


async def test_another_browser_is_refused(
    user: User, create_user: Callable[[], User], idp: FakeOpenIDProvider
) -> None:
    configure(idp)
    owner()
    offer = await sign_in_with_service(user)
    other = create_user()
    await other.open(offer)
    await other.should_see(
        "Please finish in the browser where you began signing in with the service: this page "
        "works only there."
    )
    await other.should_not_see(marker="link-existing-password")


async def test_an_unknown_ticket_and_a_service_that_proves_nothing(
    user: User, idp: FakeOpenIDProvider
) -> None:
    configure(idp)
    owner()
    await user.open("/link/existing?ticket=made-up")
    await user.should_see("This step has expired (it works for one hour) or was already finished.")
    offer = await sign_in_with_service(user)
    ticket = offer.split("ticket=", 1)[1]
    refused = await user.http_client.get(f"/oauth/staff/confirm?ticket={ticket}")
    assert refused.status_code == 303
    assert refused.headers["location"] == (
        f"{offer}&problem=not_that_account&service=staff"
    )  # the service is not linked to alice: no round trip starts
    await user.open(refused.headers["location"])
    await user.should_see(
        "This OpenID Connect account is not linked to the account with that address."
    )
    await user.should_see(marker="link-existing-password")  # the password still can


async def test_an_account_without_a_password_or_services_is_told_what_to_do(
    user: User, idp: FakeOpenIDProvider
) -> None:
    configure(idp)
    owner(password=None)
    await user.open(await sign_in_with_service(user))
    await user.should_see(marker="link-existing-no-way")
    await user.should_see("Forgot your password?")


# --------------------------------------------------------------- /signup/email


def require_email() -> None:
    with session_scope() as session:
        registration_options(session).require_email = True


def last_link() -> str:
    with session_scope() as session:
        message = session.exec(select(MailMessage).order_by(col(MailMessage.id).desc())).first()
        assert message is not None
        text = runtime.keyring().decrypt(message.body_text, TEXT_PLACE)
    found = re.search(r"http://\S+(/signup/email/confirm\?token=\S+)", text)
    assert found, text
    return found.group(1)


async def test_complete_the_profile_then_follow_the_link(
    mail_on: None, user: User, create_user: Callable[[], User], idp: FakeOpenIDProvider
) -> None:
    configure(idp)
    require_email()
    idp.user_profile = {"sub": "tom-1", "given_name": "Tom"}
    asked = await sign_in_with_service(user)
    assert asked.startswith("/signup/email?ticket=")
    await user.open(asked)
    await user.should_see(
        "OpenID Connect did not give us your e-mail address, and this site needs one."
    )
    user.find(marker="complete-profile-email").type("tom")
    user.find(marker="complete-profile-send").click()
    await user.should_see("Enter a valid e-mail address.")
    user.find(marker="complete-profile-email").clear().type("tom@example.org")
    user.find(marker="complete-profile-send").click()
    await user.should_see("We sent a link to t***@example.org. Open it in this browser")
    link = last_link()
    other = create_user()  # the link opened in another browser: explained, nothing made
    await other.open(link)
    await other.should_see("This link works only in the browser where you began signing in")
    await user.open(link)
    await user.should_see("Login: staff_tom-1", retries=RETRIES)


async def test_without_mail_a_required_address_is_refused(
    user: User, idp: FakeOpenIDProvider
) -> None:
    configure(idp)
    require_email()
    idp.user_profile = {"sub": "tom-1"}
    problem = await sign_in_with_service(user)
    await user.open(problem)
    await user.should_see(
        "Registering with OpenID Connect needs an e-mail address, and this site cannot send "
        "the message that confirms one right now."
    )
