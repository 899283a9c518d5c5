"""One sign-out for all: back-channel logout tokens reach a real application on 127.0.0.1.

The application (tests/support/backchannel_app.py) verifies each token as a relying party
must (Back-Channel Logout 1.0, section 2.6) with our JWKS. Signing out, a block by an
administrator and a password change each queue one delivery per application session,
for the applications that registered a back-channel URI only; the runner posts them,
tries again later while the application is down, gives up after its attempts, and sends
each once however many processes race for it."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from nicegui.testing import User
from sqlmodel import col, select, update

from admin_app.admin import housekeeping
from admin_app.admin import users as user_admin
from admin_app.provider import backchannel, signing
from admin_app.services.config_file import import_configuration
from models import auth_sessions, logout_deliveries
from models.db import session_scope
from models.digests import digest
from models.tables import Application, LogoutDelivery, utcnow
from models.tables import User as UserRow
from tests.support.accounts import PASSWORD, RETRIES, add_user, sign_in
from tests.support.backchannel_app import BackchannelApp, backchannel_app_factory
from tests.support.grants import grant

__all__ = ["backchannel_app_factory"]

ISSUER = "http://127.0.0.1:8080"  # the test app's PUBLIC_URL
REDIRECT = "http://127.0.0.1:8089/callback"
SECRET = "s" * 40
Start = Callable[..., BackchannelApp]


@pytest.fixture(autouse=True)
def on_the_runs_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite, or PostgreSQL under ``make test-pg``."""
    monkeypatch.setenv("SOCIALSERVICES_DATABASE_URL", database_url)


def register(shop_uri: str) -> None:
    """Two applications: the shop asks for back-channel logouts, the blog does not."""
    entries = "".join(
        f"- id: {app_id}\n  site: s1\n  name: {app_id.capitalize()}\n"
        f"  client_id: {app_id}-client\n  client_secret: {SECRET}\n"
        f"  redirect_uris: [{REDIRECT}]\n{extra}"
        for app_id, extra in (("shop", f"  backchannel_logout_uri: {shop_uri}\n"), ("blog", ""))
    )
    import_configuration("applications:\n" + entries)


def shop_app(start: Start) -> BackchannelApp:
    app = start(signing.jwks, issuer=ISSUER, client_id="shop-client")
    register(app.uri)
    return app


async def code_flow(user: User, client_id: str) -> dict[str, Any]:
    """Tokens for ``client_id`` from the simulated browser's session."""
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid",
        "state": "st",
        "nonce": "n",
    }
    answer = await user.http_client.get("/oidc/authorize", params=params)
    code = answer.headers["location"].split("code=")[1].split("&")[0]
    response = await user.http_client.post(
        "/oidc/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
        auth=(client_id, SECRET),
    )
    assert response.status_code == 200, response.text
    return response.json()


def id_token_sid(tokens: dict[str, Any]) -> str:
    claims = signing.verified_claims(tokens["id_token"])
    assert claims is not None
    return str(claims["sid"])


def session_with_grant(user_id: int, app_id: str = "shop") -> tuple[str, str]:
    """Another signed-in browser of the person, signed in to ``app_id``: its token and
    the sid that application knows it by."""
    with session_scope() as session:
        token = auth_sessions.create_active(session, user_id=user_id)
    grant(user_id, digest(token), app_id)
    return token, logout_deliveries.session_id(digest(token), app_id)


def queue_logouts(user_id: int, count: int = 1) -> list[str]:
    """``count`` sessions signed in to the shop, then ended: their sids."""
    sids = [session_with_grant(user_id)[1] for _ in range(count)]
    with session_scope() as session:
        auth_sessions.end_all_of(session, user_id)
    return sids


def deliveries() -> list[LogoutDelivery]:
    with session_scope() as session:
        return list(session.exec(select(LogoutDelivery).order_by(col(LogoutDelivery.id))))


def later(seconds: float) -> datetime:
    return utcnow() + timedelta(seconds=seconds)


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_signing_out_sends_one_verified_token_to_each_application_that_asked(
    user: User, backchannel_app_factory: Start
) -> None:
    alice = add_user("alice")
    shop = shop_app(backchannel_app_factory)
    await sign_in(user, "alice")
    await user.should_see(marker="profile-login", retries=RETRIES)
    shop_sid = id_token_sid(await code_flow(user, "shop-client"))
    blog_sid = id_token_sid(await code_flow(user, "blog-client"))
    assert shop_sid != blog_sid  # each application its own: they cannot correlate them
    user.find("Sign out").click()
    await user.should_see(marker="login-submit", retries=RETRIES)
    assert await backchannel.deliver_due() == 1  # none for the blog: it asked for none
    assert [(c["sub"], c["sid"], c["aud"]) for c in shop.received] == [
        (str(alice), shop_sid, "shop-client")
    ]
    assert shop.received[0]["exp"] - shop.received[0]["iat"] == 120
    assert shop.refused == [] and shop.headers[0]["typ"] == "logout+jwt"
    [row] = deliveries()
    assert (row.status, row.attempts, row.claimed_by) == ("sent", 1, None)
    assert await backchannel.deliver_due(later(7200)) == 0 and shop.requests == 1
    document = (await user.http_client.get("/.well-known/openid-configuration")).json()
    assert document["backchannel_logout_supported"] is True
    assert document["backchannel_logout_session_supported"] is True


async def test_a_sign_out_wakes_the_runner_at_once(
    user: User, backchannel_app_factory: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backchannel, "POLL_SECONDS", 60.0)  # only a wake can bring it
    alice = add_user("alice")
    shop = shop_app(backchannel_app_factory)
    runner = asyncio.create_task(backchannel.run_backchannel())
    try:
        await asyncio.sleep(0.2)  # its first look finds nothing; now it waits
        [sid] = await asyncio.to_thread(queue_logouts, alice)
        for _ in range(100):
            if shop.received:
                break
            await asyncio.sleep(0.05)
        assert [c["sid"] for c in shop.received] == [sid]
    finally:
        runner.cancel()


async def test_a_block_by_an_administrator_signs_the_person_out_of_the_application(
    user: User, backchannel_app_factory: Start
) -> None:
    add_user("root", admin=True)
    alice = add_user("alice")
    shop = shop_app(backchannel_app_factory)
    sids = {session_with_grant(alice)[1] for _ in range(2)}
    session_with_grant(alice, "blog")
    await sign_in(user, "root")
    await user.should_see(marker="profile-login", retries=RETRIES)
    await user.open("/profile")  # use cases called from here on act as root
    with session_scope() as session:
        version = session.get(UserRow, alice).version  # type: ignore[union-attr]
    user_admin.set_user_active(alice, active=False, version=version)
    assert await backchannel.deliver_due() == 2
    assert {c["sid"] for c in shop.received} == sids
    assert {c["sub"] for c in shop.received} == {str(alice)}


async def test_a_password_change_signs_the_other_sessions_out_of_the_application(
    user: User, backchannel_app_factory: Start
) -> None:
    add_user("alice")
    shop = shop_app(backchannel_app_factory)
    await sign_in(user, "alice")
    await user.should_see(marker="profile-login", retries=RETRIES)
    this_sid = id_token_sid(await code_flow(user, "shop-client"))
    with session_scope() as session:
        alice = session.exec(select(UserRow).where(UserRow.login == "alice")).one().id or 0
    _, other_sid = session_with_grant(alice)
    await user.open("/profile")
    for marker, value in (
        ("current_password", PASSWORD),
        ("new_password", "a brand new password"),
        ("repeat_password", "a brand new password"),
    ):
        user.find(marker=marker).clear().type(value)
    user.find(marker="password-save").click()
    await user.should_see("Your password is saved.", retries=RETRIES)
    assert await backchannel.deliver_due() == 1
    assert [c["sid"] for c in shop.received] == [other_sid] != [this_sid]  # this one stays


async def test_an_application_that_is_down_gets_it_later_once(
    user: User, backchannel_app_factory: Start
) -> None:
    shop = shop_app(backchannel_app_factory)
    [sid] = queue_logouts(add_user("alice"))
    shop.down = 503
    assert await backchannel.deliver_due() == 1
    [row] = deliveries()
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_problem.startswith("HTTP 503: ") and "temporarily_unavailable" in (
        row.last_problem
    )
    assert later(26) < row.next_attempt_at < later(34)  # 30 s, give or take a tenth
    assert await backchannel.deliver_due() == 0  # not yet
    shop.down = None
    assert await backchannel.deliver_due(later(40)) == 1
    assert [c["sid"] for c in shop.received] == [sid]
    assert await backchannel.deliver_due(later(9000)) == 0
    assert shop.requests == 2 and deliveries()[0].status == "sent"


async def test_no_answer_is_tried_with_growing_delays_then_given_up_with_the_problem(
    user: User, backchannel_app_factory: Start
) -> None:
    shop_app(backchannel_app_factory)
    with session_scope() as session:  # nothing listens there
        session.exec(
            update(Application).values(
                backchannel_logout_uri=f"http://127.0.0.1:{unused_port()}/logout"
            )
        )
    queue_logouts(add_user("alice"))
    when, delays = utcnow(), []
    for attempt in range(1, backchannel.MAX_ATTEMPTS + 1):
        assert await backchannel.deliver_due(when) == 1
        [row] = deliveries()
        assert row.attempts == attempt and row.last_problem.startswith("no answer: ConnectError")
        if row.status == "pending":
            delays.append((row.next_attempt_at - when).total_seconds())
            when = row.next_attempt_at
    assert row.status == "failed" and row.attempts == backchannel.MAX_ATTEMPTS
    assert len(delays) == backchannel.MAX_ATTEMPTS - 1
    for doubling, delay in enumerate(delays):  # from 30 s, doubling, a tenth of jitter
        assert 0.89 < delay / (30 * 2**doubling) < 1.11
    assert backchannel.retry_delay(20) <= timedelta(hours=1.1)  # up to an hour
    assert await backchannel.deliver_due(later(10 * 3600)) == 0  # given up: never again


async def test_two_runners_racing_send_each_logout_once(
    user: User, backchannel_app_factory: Start
) -> None:
    shop = shop_app(backchannel_app_factory)
    sids = queue_logouts(add_user("alice"), 6)
    first, second = await asyncio.gather(
        backchannel.deliver_due(owner="runner-a"), backchannel.deliver_due(owner="runner-b")
    )
    assert first + second == 6
    assert sorted(c["sid"] for c in shop.received) == sorted(sids) and shop.requests == 6
    assert {row.status for row in deliveries()} == {"sent"}


async def test_a_claim_is_one_processs_and_a_crashed_ones_runs_out(
    user: User, backchannel_app_factory: Start
) -> None:
    shop = shop_app(backchannel_app_factory)
    [sid] = queue_logouts(add_user("alice"))
    [row] = deliveries()
    assert row.id is not None
    now = utcnow()
    with session_scope() as session:
        assert logout_deliveries.claim(session, row.id, "crashed", now, backchannel.LEASE)
        assert not logout_deliveries.claim(session, row.id, "other", now, backchannel.LEASE)
        assert not logout_deliveries.finish(session, row.id, "other", "sent")
    assert await backchannel.deliver_due(now) == 0  # held: nobody else posts it
    assert await backchannel.deliver_due(now + backchannel.LEASE + timedelta(seconds=1)) == 1
    with session_scope() as session:  # the crashed process, back, cannot overwrite it
        assert not logout_deliveries.finish(session, row.id, "crashed", "failed")
    assert [c["sid"] for c in shop.received] == [sid]
    assert (deliveries()[0].status, deliveries()[0].attempts) == ("sent", 2)


async def test_an_application_that_dropped_its_uri_gets_nothing(
    user: User, backchannel_app_factory: Start
) -> None:
    shop = shop_app(backchannel_app_factory)
    queue_logouts(add_user("alice"))
    with session_scope() as session:
        session.exec(update(Application).values(backchannel_logout_uri=""))
    assert await backchannel.deliver_due() == 1
    [row] = deliveries()
    assert row.status == "failed" and "no longer" in row.last_problem and shop.requests == 0


async def test_housekeeping_purges_old_sent_and_failed_deliveries_only(
    user: User, backchannel_app_factory: Start
) -> None:
    shop_app(backchannel_app_factory)
    queue_logouts(add_user("alice"), 4)
    old = utcnow() - timedelta(days=31)  # past the outbox's 30 days
    ids = [row.id for row in deliveries()]
    with session_scope() as session:
        for delivery_id, status, changed in zip(
            ids, ("sent", "failed", "pending", "sent"), (old, old, old, utcnow()), strict=True
        ):
            session.exec(
                update(LogoutDelivery)
                .where(col(LogoutDelivery.id) == delivery_id)
                .values(status=status, updated_at=changed)
            )
    housekeeping.run_round()
    assert [(row.id, row.status) for row in deliveries()] == [
        (ids[2], "pending"),
        (ids[3], "sent"),
    ]
