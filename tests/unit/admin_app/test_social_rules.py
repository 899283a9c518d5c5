"""The rules of signing in, registering and linking, against a fake OpenID provider over
real HTTP (the browser's part is played by an HTTP client)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import yaml

from admin_app.auth import social_callback, social_link
from admin_app.auth.purpose import Purpose
from admin_app.auth.round_trip import start as start_round_trip
from admin_app.core import startup
from admin_app.core.settings import load_settings
from admin_app.services.config_file import ConfigFileError, import_configuration
from models import auth_sessions, linked_accounts, tried_results
from models.db import session_scope
from models.services import find_config
from models.tables import Site, User
from models.users import ADMINISTRATORS, REGISTERED, create_user, users_after
from tests.support.fakes.openid import FakeOpenIDProvider
from tests.support.social_round_trips import (
    BROWSER,
    HOST,
    configure,
    fake_provider,
    round_trip,
    signed_in_token,
)

ALICE = {
    "sub": "alice-1",
    "email": "alice@example.org",
    "email_verified": True,
    "given_name": "Alice",
    "family_name": "Liddell",
}


@pytest.fixture
def idp() -> Iterator[FakeOpenIDProvider]:
    yield from fake_provider(ALICE)


@pytest.fixture(autouse=True)
def installation(
    idp: FakeOpenIDProvider, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite, or PostgreSQL under ``make test-pg``: the races matter on both."""
    monkeypatch.setenv("SOCIALSERVICES_DATABASE_URL", database_url)
    startup.prepare(load_settings())
    configure(idp)


def users() -> list[User]:
    with session_scope() as session:
        return users_after(session)


def local_user(login: str, email: str | None = None, *, verified: bool = False) -> int:
    with session_scope() as session:
        user = create_user(
            session, login=login, email=email, password="long enough pw", email_verified=verified
        )
        assert user.id is not None
        return user.id


async def test_new_person_is_registered_with_link_and_tokens() -> None:
    outcome = await round_trip()
    assert outcome.refusal is None and outcome.auth_token and outcome.next_path == "/profile"
    (user,) = users()
    assert (user.login, user.email, user.email_verified, user.first_name, user.password_hash) == (
        "staff_alice-1",
        "alice@example.org",
        True,  # the service vouched for it
        "Alice",
        None,
    )
    with session_scope() as session:
        (link,) = linked_accounts.links_of(session, user.id or 0)
        assert (link.service_id, link.external_id, link.site_id) == ("staff", "alice-1", "s1")
        assert link.access_token and link.refresh_token and link.token_expires_at
        assert link.scopes == "openid email profile"
        assert auth_sessions.user_of(session, outcome.auth_token or "") == user.id


async def test_returning_person_signs_in_as_the_same_user() -> None:
    first = await round_trip()
    second = await round_trip()
    assert second.auth_token and second.auth_token != first.auth_token
    assert len(users()) == 1


async def test_two_callbacks_at_once_create_one_user() -> None:
    outcomes = await asyncio.gather(*(round_trip() for _ in range(4)))
    assert all(outcome.refusal is None for outcome in outcomes)
    assert len(users()) == 1


@pytest.mark.parametrize(
    ("tamper", "browser"),
    [({"state": "made-up"}, BROWSER), ({}, "another-browser"), ({"state": ""}, BROWSER)],
)
async def test_foreign_or_tampered_state_changes_nothing(
    tamper: dict[str, str], browser: str
) -> None:
    outcome = await round_trip(browser=browser, tamper=tamper)
    assert outcome.refusal == "state_invalid" and outcome.auth_token is None
    assert users() == []


async def test_replayed_callback_is_refused() -> None:
    url = await start_round_trip(
        purpose=Purpose.LOGIN, service_id="staff", host=HOST, browser=BROWSER, next_path="/"
    )
    async with httpx.AsyncClient() as client:
        location = (await client.get(url)).headers["location"]
    callback = {k: v[-1] for k, v in parse_qs(urlsplit(location).query).items()}
    first = await social_callback.finish(
        service_id="staff", callback=callback, browser=BROWSER, auth_token=""
    )
    replay = await social_callback.finish(
        service_id="staff", callback=callback, browser=BROWSER, auth_token=""
    )
    assert first.refusal is None and replay.refusal == "state_invalid"


async def test_mixed_up_issuer_is_refused() -> None:
    outcome = await round_trip(tamper={"iss": "https://evil.example"})
    assert outcome.refusal == "provider:invalid_response"
    assert users() == []


async def test_cancelled_at_the_provider(idp: FakeOpenIDProvider) -> None:
    idp.failure = "access_denied"
    assert (await round_trip()).refusal == "provider:cancelled"
    assert users() == []


async def test_registration_closed(idp: FakeOpenIDProvider) -> None:
    configure(idp, registration=False)
    assert (await round_trip()).refusal == "registration_closed"
    assert users() == []


async def test_registration_refused_when_new_users_group_is_denied(idp: FakeOpenIDProvider) -> None:
    configure(idp, denied_auth=("registered",))
    assert (await round_trip()).refusal == "registration_closed"
    assert users() == []


async def test_email_of_an_existing_user_is_not_merged() -> None:
    """A proven address: the person is offered to sign in to its account and link the
    service (test_social_existing_account.py plays the rest)."""
    local_user("alice.local", "ALICE@example.org", verified=True)
    outcome = await round_trip()
    assert outcome.refusal is None and outcome.auth_token is None
    assert outcome.next_path.startswith("/link/existing?ticket=")
    assert [u.login for u in users()] == ["alice.local"]


async def test_an_unproven_address_takes_nothing_away() -> None:
    """An address typed but never proven belongs to nobody: the newcomer registers with
    it, proven by the service, and the other account keeps it unproven."""
    local_user("alice.local", "ALICE@example.org")
    outcome = await round_trip()
    assert outcome.refusal is None and outcome.auth_token
    assert [(u.login, u.email_verified) for u in users()] == [
        ("alice.local", False),
        ("staff_alice-1", True),
    ]


async def test_blocked_or_denied_linked_user_is_refused(idp: FakeOpenIDProvider) -> None:
    await round_trip()
    with session_scope() as session:
        (user,) = users_after(session)
        user.is_active = False
    assert (await round_trip()).refusal == "user_blocked"
    with session_scope() as session:
        (user,) = users_after(session)
        user.is_active = True
    configure(idp, denied_auth=("registered",))
    assert (await round_trip()).refusal == "auth_denied_group"


async def test_linking_attaches_to_the_user_who_started_it() -> None:
    bob = local_user("bob")
    token = signed_in_token(bob)
    outcome = await round_trip(Purpose.LINK, user_id=bob, auth_token=token)
    assert outcome.linked and outcome.auth_token is None
    with session_scope() as session:
        assert [link.external_id for link in linked_accounts.links_of(session, bob)] == ["alice-1"]
    assert (await round_trip()).auth_token  # and now alice's account signs bob in
    assert len(users()) == 1


async def test_a_service_vouching_for_the_own_unproven_address_proves_it() -> None:
    """Linking (or signing in with) a service that vouches for exactly the account's
    typed address proves it; one that vouches for another address proves nothing."""
    bob = local_user("bob", "Alice@Example.org")
    local_user("carol", "carol@example.org")
    await round_trip(Purpose.LINK, user_id=bob, auth_token=signed_in_token(bob))
    with session_scope() as session:
        verified = {u.login: u.email_verified for u in users_after(session)}
    assert verified == {"bob": True, "carol": False}


async def test_a_vouched_address_another_account_proved_stays_unproven_here() -> None:
    local_user("owner", "alice@example.org", verified=True)
    bob = local_user("bob")
    with session_scope() as session:
        user = session.get(User, bob)
        assert user is not None
        user.email, user.email_lower = "alice@example.org", "alice@example.org"
    outcome = await round_trip(Purpose.LINK, user_id=bob, auth_token=signed_in_token(bob))
    assert outcome.linked
    with session_scope() as session:
        user = session.get(User, bob)
        assert user is not None and not user.email_verified


async def test_linking_callback_completes_only_for_the_same_signed_in_user() -> None:
    victim = local_user("victim")
    attacker = local_user("attacker")
    outcome = await round_trip(Purpose.LINK, user_id=attacker, auth_token=signed_in_token(victim))
    assert outcome.refusal == "link_session_changed"
    outcome = await round_trip(Purpose.LINK, user_id=victim, auth_token="")
    assert outcome.refusal == "link_session_changed"
    with session_scope() as session:
        assert linked_accounts.links_of(session, victim) == []
        assert linked_accounts.links_of(session, attacker) == []


async def test_account_linked_to_another_user_is_refused() -> None:
    await round_trip()  # alice registers
    bob = local_user("bob")
    outcome = await round_trip(Purpose.LINK, user_id=bob, auth_token=signed_in_token(bob))
    assert outcome.refusal == "linked_elsewhere"
    with session_scope() as session:
        assert linked_accounts.links_of(session, bob) == []


async def test_linking_denied_group(idp: FakeOpenIDProvider) -> None:
    bob = local_user("bob")
    configure(idp, denied_link=("registered",))
    assert not social_link.may_link(bob)
    outcome = await round_trip(Purpose.LINK, user_id=bob, auth_token=signed_in_token(bob))
    assert outcome.refusal == "link_denied"


async def test_unknown_or_disabled_service_starts_nothing() -> None:
    with pytest.raises(LookupError):
        await start_round_trip(purpose=Purpose.LOGIN, service_id="nope", host=HOST, browser=BROWSER)


async def test_a_try_keeps_what_came_back_for_its_administrator_and_creates_nobody() -> None:
    with session_scope() as session:
        root = create_user(
            session,
            login="root",
            email=None,
            password=None,
            groups=(ADMINISTRATORS, REGISTERED),
        ).id
    assert root is not None
    outcome = await round_trip(Purpose.TRY, user_id=root, auth_token=signed_in_token(root))
    assert outcome.tried and outcome.refusal is None and outcome.next_path == "/admin"
    with session_scope() as session:
        assert tried_results.take(session, user_id=root, browser="another-browser") is None
        tried = tried_results.take(session, user_id=root, browser=BROWSER)
    assert tried is not None
    assert (tried["service_id"], tried["external_id"], tried["email"]) == (
        "staff",
        "alice-1",
        "alice@example.org",
    )
    assert [user.login for user in users()] == ["root"]


async def test_a_try_finished_by_no_administrator_keeps_nothing() -> None:
    bob = local_user("bob")  # not an administrator (any more)
    outcome = await round_trip(Purpose.TRY, user_id=bob, auth_token=signed_in_token(bob))
    assert outcome.refusal == "link_session_changed" and not outcome.tried
    with session_scope() as session:
        assert tried_results.take(session, user_id=bob, browser=BROWSER) is None


# ------------------------------------------------------------- sites and scopes


def add_site(site_id: str, host: str) -> None:
    with session_scope() as session:
        session.add(Site(id=site_id, name=site_id, host_names=host))


def set_individual(site_id: str, on: bool) -> None:
    with session_scope() as session:
        site = session.get(Site, site_id)
        assert site is not None
        site.individual_settings = on
        session.add(site)


def redirect_host(url: str) -> str | None:
    return urlsplit(parse_qs(urlsplit(url).query)["redirect_uri"][0]).hostname


async def test_trying_a_scope_goes_through_a_site_that_uses_it() -> None:
    """An administrator trying the common settings from a site with its own settings is
    sent through a site that uses the common ones (its callback finds the service)."""
    add_site("blog", "blog.example.org")
    admin = local_user("root")

    async def try_common() -> str:
        return await start_round_trip(
            purpose=Purpose.TRY,
            service_id="staff",
            host=HOST,
            browser=BROWSER,
            user_id=admin,
            scope="common",
        )

    assert redirect_host(await try_common()) == "127.0.0.1"  # this site uses them
    set_individual("s1", True)
    assert redirect_host(await try_common()) == "blog.example.org"
    set_individual("blog", True)  # no site uses the common settings now
    with pytest.raises(LookupError):
        await try_common()


async def test_a_round_trip_whose_site_was_deleted_meanwhile_is_refused() -> None:
    add_site("blog", "blog.example.org")
    url = await start_round_trip(
        purpose=Purpose.LOGIN, service_id="staff", host="blog.example.org", browser=BROWSER
    )
    async with httpx.AsyncClient() as client:
        answer = await client.get(url)
    with session_scope() as session:
        session.delete(session.get(Site, "blog"))
    callback = {k: v[-1] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}
    outcome = await social_callback.finish(
        service_id="staff", callback=callback, browser=BROWSER, auth_token=""
    )
    assert outcome.refusal == "service_unavailable"
    assert users() == []


# ------------------------------------------------- who an external account is


@pytest.mark.parametrize("variant", [" alice-1", "alice-1 ", "ALICE-1"])
async def test_an_id_that_differs_by_a_space_or_a_letter_case_is_another_account(
    idp: FakeOpenIDProvider, variant: str
) -> None:
    await round_trip()  # alice-1 registers
    configure(idp, registration=False)
    idp.user_profile = {**ALICE, "sub": variant, "email": None}
    outcome = await round_trip()
    assert outcome.refusal == "registration_closed" and outcome.auth_token is None
    configure(idp, registration=True)
    outcome = await round_trip()  # a person of their own, linked exactly as given
    assert outcome.auth_token and len(users()) == 2
    with session_scope() as session:
        ids = {
            link.external_id
            for user in users_after(session)
            for link in linked_accounts.links_of(session, user.id or 0)
        }
    assert ids == {"alice-1", variant}


def staff_document(issuer: str | None) -> str:
    services = (
        {}
        if issuer is None
        else {
            "staff": {
                "provider": "oidc",
                "enabled": True,
                "settings": {"client_id": "app", "client_secret": "secret"},
                "endpoints": {"issuer": issuer},
            }
        }
    )
    return yaml.safe_dump({"services": services})


@pytest.fixture
def other_idp() -> Iterator[FakeOpenIDProvider]:
    """Another issuer, whose "alice-1" is somebody else."""
    fake = FakeOpenIDProvider(client_id="app", client_secret="secret", profile=ALICE).start()
    yield fake
    fake.stop()


async def test_config_import_cannot_move_a_service_with_links_to_another_issuer(
    idp: FakeOpenIDProvider, other_idp: FakeOpenIDProvider
) -> None:
    await round_trip()  # alice-1 of the first issuer registers
    import_configuration(staff_document(None))  # the service goes, its link stays
    with pytest.raises(ConfigFileError) as refused:
        import_configuration(staff_document(other_idp.issuer))
    (problem,) = refused.value.problems
    assert problem.path == "services.staff.endpoints.issuer"
    assert problem.params["count"] == 1 and problem.params["issuer"] == idp.issuer
    assert "'staff' has linked accounts (1) from the issuer" in problem.line()
    with session_scope() as session:
        assert find_config(session, "common", "staff") is None  # nothing changed
    import_configuration(staff_document(idp.issuer))  # its own issuer may come back
    assert (await round_trip()).auth_token and len(users()) == 1


async def test_a_link_is_reached_only_through_the_issuer_that_made_it(
    idp: FakeOpenIDProvider, other_idp: FakeOpenIDProvider
) -> None:
    """Whatever path re-points a service (here: its stored row edited directly), the
    other issuer's "alice-1" never signs in as the first issuer's."""
    first = await round_trip()
    with session_scope() as session:
        row = find_config(session, "common", "staff")
        assert row is not None
        row.endpoints = {"issuer": other_idp.issuer}
        session.add(row)
    other_idp.user_profile = {**ALICE, "email": None}
    outcome = await round_trip()
    with session_scope() as session:
        original = auth_sessions.user_of(session, first.auth_token or "")
        newcomer = auth_sessions.user_of(session, outcome.auth_token or "")
    assert newcomer is not None and newcomer != original and len(users()) == 2


async def test_links_made_before_issuers_were_recorded_get_their_services_issuer(
    idp: FakeOpenIDProvider,
) -> None:
    await round_trip()
    with session_scope() as session:
        (link,) = linked_accounts.links_of(session, users()[0].id or 0)
        assert link.issuer == idp.issuer
        link.issuer = ""  # as migration 0012 leaves it
        session.add(link)
    startup.prepare(load_settings())
    with session_scope() as session:
        (link,) = linked_accounts.links_of(session, users()[0].id or 0)
        assert link.issuer == idp.issuer
    assert (await round_trip()).auth_token and len(users()) == 1


# --------------------------------------------------- e-mail that proves nothing


async def test_an_unverified_email_is_kept_as_a_contact_and_blocks_nobody(
    idp: FakeOpenIDProvider,
) -> None:
    owner = local_user("alice.local", "alice@example.org")
    idp.user_profile = {**ALICE, "email_verified": False}
    outcome = await round_trip()
    assert outcome.refusal is None and outcome.auth_token
    (_owner, newcomer) = users()
    assert newcomer.email is None  # the address is not theirs to take
    with session_scope() as session:
        (link,) = linked_accounts.links_of(session, newcomer.id or 0)
        assert (link.email, link.email_verified) == ("alice@example.org", False)
        assert session.get(User, owner).email == "alice@example.org"  # type: ignore[union-attr]


async def test_an_unverified_email_does_not_occupy_the_address_of_its_real_owner(
    idp: FakeOpenIDProvider,
) -> None:
    idp.user_profile = {**ALICE, "sub": "squatter", "email_verified": False}
    assert (await round_trip()).auth_token  # someone gives alice's address, unverified
    local_user("alice.local", "alice@example.org")  # the real owner can still register
    assert [user.email for user in users()] == [None, "alice@example.org"]


@pytest.mark.parametrize("sub", ["alice\x00", "alice\nsocial.signed_in", "a" * 256])
async def test_an_unusable_id_is_refused_never_altered(idp: FakeOpenIDProvider, sub: str) -> None:
    idp.user_profile = {**ALICE, "sub": sub}
    outcome = await round_trip()
    assert outcome.refusal == "provider:invalid_id" and outcome.auth_token is None
    assert users() == []


async def test_long_and_odd_values_from_the_service_are_stored_fitted(
    idp: FakeOpenIDProvider,
) -> None:
    """On PostgreSQL a NUL in any text or JSON value, or a name longer than its column,
    would fail the sign-in's transaction: the profile's boundary fits them first."""
    idp.user_profile = {
        **ALICE,
        "given_name": "A\x00" + "l" * 500,
        "email": "alice\x00@example.org",
        "nickname": "nul\x00inside",
    }
    outcome = await round_trip()
    assert outcome.refusal is None and outcome.auth_token
    (user,) = users()
    assert user.first_name == ("A" + "l" * 500)[:100] and user.email is None
    with session_scope() as session:
        (link,) = linked_accounts.links_of(session, user.id or 0)
        assert "\x00" not in str(link.raw_profile) and link.email is None


async def test_a_returning_sign_in_brings_the_link_and_the_user_up_to_date(
    idp: FakeOpenIDProvider,
) -> None:
    """What the service says now replaces what it said before, with new tokens and the
    times of use; the account's own typed address, now vouched for, is proven."""
    idp.user_profile = {**ALICE, "email_verified": False, "given_name": "Al"}
    assert (await round_trip()).auth_token
    (user,) = users()
    with session_scope() as session:
        row = session.get(User, user.id)
        assert row is not None
        row.email, row.email_lower = "alice@example.org", "alice@example.org"
        (before,) = linked_accounts.links_of(session, user.id or 0)
        session.expunge(before)
    idp.user_profile = dict(ALICE)
    assert (await round_trip()).auth_token
    (after_user,) = users()
    with session_scope() as session:
        (after,) = linked_accounts.links_of(session, user.id or 0)
    assert (before.first_name, after.first_name) == ("Al", "Alice")
    assert (before.email_verified, after.email_verified) == (False, True)
    assert after.access_token and after.access_token != before.access_token
    assert before.last_used_at and after.last_used_at and after.last_used_at > before.last_used_at
    assert user.last_login_at and after_user.last_login_at
    assert after_user.last_login_at > user.last_login_at
    assert after_user.email_verified and not user.email_verified
