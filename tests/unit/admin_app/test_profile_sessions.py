"""The profile's sessions (/profile, "Sessions"): where a person is signed in, with which
applications, and ending one, the others or all; and that every sign-in records the
browser and the address it came from."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from nicegui import app
from nicegui.testing import User
from sqlmodel import select

from admin_app.core import asking
from admin_app.profile import sessions
from admin_app.profile.devices import Device, device_of
from admin_app.profile.own_account import NotSignedInError
from admin_app.services.config_file import import_configuration
from models import auth_sessions
from models.db import session_scope
from models.digests import digest
from models.tables import AuthSession, ProviderGrant, utcnow
from models.users import find_by_login
from providers.openid import forget_cached_metadata
from tests.support.accounts import RETRIES, add_user, sign_in
from tests.support.fakes.openid import FakeOpenIDProvider
from tests.support.grants import grant
from tests.support.social_round_trips import HOST
from tests.support.social_round_trips import configure as offer_staff

CHROME_LINUX = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0"
PHONE_ADDRESS = "203.0.113.7"
APPLICATIONS = "applications:\n" + "".join(
    f"- {{id: {app_id}, site: s1, name: {app_id.capitalize()}, client_id: {app_id}-client,"
    f" client_secret: a-client-secret-of-at-least-32-chars,"
    f" redirect_uris: [https://{app_id}.example.org/callback]}}\n"
    for app_id in ("shop", "wiki")
)


def elsewhere(user_id: int, user_agent: str = SAFARI_IPHONE, *apps: str) -> str:
    """Another browser of the person, signed in to ``apps``: its token."""
    with session_scope() as session:
        token = auth_sessions.create_active(
            session, user_id=user_id, user_agent=user_agent, address=PHONE_ADDRESS
        )
    for app_id in apps:
        grant(user_id, digest(token), app_id)
    return token


def rows_of(user_id: int) -> list[AuthSession]:
    with session_scope() as session:
        return list(session.exec(select(AuthSession).where(AuthSession.user_id == user_id)))


def signed_in(token: str) -> bool:
    with session_scope() as session:
        return auth_sessions.user_of(session, token) is not None


def grants_of(token: str) -> list[str]:
    with session_scope() as session:
        rows = session.exec(
            select(ProviderGrant).where(ProviderGrant.session_hash == digest(token))
        )
        return sorted(row.application_id for row in rows)


def text_of(user: User, marker: str) -> str:
    """The texts of the marked element and all within it, in order, one space apart."""
    (element,) = user.find(marker=marker).elements
    texts = (str(getattr(part, "text", "")) for part in [element, *element.descendants()])
    return " ".join(" ".join(texts).split())


async def open_sessions(user: User, login: str = "alice") -> None:
    """Signed in from a Chrome on Linux, on the profile page."""
    user.http_client.headers["user-agent"] = CHROME_LINUX
    await sign_in(user, login)
    await user.should_see(f"Login: {login}", retries=RETRIES)
    await user.open("/profile")


async def end(user: User, button: str, confirm: str) -> None:
    user.find(marker=button).click()
    user.find(marker=confirm).click()


async def test_the_list_shows_each_browser_and_its_applications(user: User) -> None:
    alice = add_user("alice")
    import_configuration(APPLICATIONS)
    phone = elsewhere(alice, SAFARI_IPHONE, "wiki", "shop")
    await open_sessions(user)
    (mine,) = [row for row in rows_of(alice) if row.user_agent == CHROME_LINUX]
    grant(alice, mine.token_hash, "shop")
    await user.open("/profile")
    await user.should_see("Sessions")
    # this browser first, with its badge; then the phone
    assert text_of(user, "session-0").startswith("Chrome on Linux")
    await user.should_see(marker="this-browser")
    await user.should_see("Address: 127.0.0.1")  # the simulated browser's
    assert text_of(user, "applications-0") == "Applications: Shop"
    await user.should_see("Safari on iOS")
    await user.should_see(f"Address: {PHONE_ADDRESS}")
    assert text_of(user, "applications-1") == "Applications: Shop, Wiki"
    assert signed_in(phone)


async def test_a_person_with_many_sessions_sees_the_latest_and_a_count_of_the_rest(
    user: User,
) -> None:
    alice = add_user("alice")
    await open_sessions(user)
    # thirteen other browsers, the one from 203.0.113.1 seen last, .13 first; all seen
    # after this browser signed in, which is listed first all the same
    with session_scope() as session:
        for number in range(1, 14):
            token = auth_sessions.create_active(
                session, user_id=alice, user_agent=SAFARI_IPHONE, address=f"203.0.113.{number}"
            )
            row = session.get(AuthSession, digest(token))
            assert row is not None
            row.last_seen_at = utcnow() + timedelta(minutes=20 - number)
            session.add(row)
    await user.open("/profile")
    await user.should_see(marker="sessions-not-listed")
    assert text_of(user, "session-0").startswith("Chrome on Linux")
    listed = [text_of(user, f"session-{index}") for index in range(1, sessions.LISTED)]
    assert [text.split("Address: ")[1].split()[0] for text in listed] == [
        f"203.0.113.{number}" for number in range(1, sessions.LISTED)
    ]
    await user.should_not_see(marker=f"session-{sessions.LISTED}")
    assert text_of(user, "sessions-not-listed") == (
        "Sessions not listed, seen less recently: 4. “Sign out everywhere else” ends them too."
    )
    # the ones not listed end with the rest
    await end(user, "end-others", "confirm-end-others")
    await user.should_see("You are signed out everywhere else.")
    assert [row.user_agent for row in rows_of(alice)] == [CHROME_LINUX]
    await user.should_not_see(marker="sessions-not-listed")


async def test_ending_another_session_signs_that_browser_out_of_everything(user: User) -> None:
    alice = add_user("alice")
    import_configuration(APPLICATIONS)
    phone = elsewhere(alice, SAFARI_IPHONE, "shop", "wiki")
    laptop = elsewhere(alice, FIREFOX_WINDOWS, "wiki")
    await open_sessions(user)
    await user.should_see("Firefox on Windows")
    phone_row = 1 if text_of(user, "session-1").startswith("Safari on iOS") else 2
    await end(user, f"end-session-{phone_row}", "confirm-end-session")
    await user.should_see("The session is ended.", retries=RETRIES)
    assert not signed_in(phone) and grants_of(phone) == []
    assert signed_in(laptop) and grants_of(laptop) == ["wiki"]
    await user.should_not_see("Safari on iOS")
    await user.open("/profile")
    await user.should_see("Login: alice")  # this browser is still in


async def test_sign_out_everywhere_else_keeps_this_browser(user: User) -> None:
    alice = add_user("alice")
    import_configuration(APPLICATIONS)
    others = [elsewhere(alice, SAFARI_IPHONE, "shop"), elsewhere(alice, FIREFOX_WINDOWS)]
    await open_sessions(user)
    await end(user, "end-others", "confirm-end-others")
    await user.should_see("You are signed out everywhere else.", retries=RETRIES)
    assert not any(signed_in(token) for token in others)
    assert grants_of(others[0]) == []
    assert [row.user_agent for row in rows_of(alice)] == [CHROME_LINUX]
    await user.should_not_see(marker="end-others")  # nothing else is left to end
    await user.open("/profile")
    await user.should_see("Login: alice")


async def test_sign_out_everywhere_signs_this_browser_out_too(user: User) -> None:
    alice = add_user("alice")
    phone = elsewhere(alice)
    await open_sessions(user)
    await end(user, "end-all", "confirm-end-all")
    await user.should_see(marker="login-identifier", retries=RETRIES)  # via /logout
    assert rows_of(alice) == [] and not signed_in(phone)
    response = await user.http_client.get("/profile")
    assert response.status_code == 303  # the cookie no longer signs anyone in


async def test_ending_this_browsers_own_row_signs_it_out(user: User) -> None:
    alice = add_user("alice")
    phone = elsewhere(alice)
    await open_sessions(user)
    user.find(marker="end-session-0").click()
    await user.should_see("You will be signed out here.")
    user.find(marker="confirm-end-session").click()
    await user.should_see(marker="login-identifier", retries=RETRIES)
    assert signed_in(phone)
    assert [row.user_agent for row in rows_of(alice)] == [SAFARI_IPHONE]
    assert (await user.http_client.get("/profile")).status_code == 303


async def test_nobody_ends_someone_elses_session(
    user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = add_user("alice")
    bob = add_user("bob")
    with session_scope() as session:
        alices = auth_sessions.create_active(session, user_id=alice)
    bobs = elsewhere(bob)
    monkeypatch.setattr(asking, "current", lambda: asking.Asker(auth_token=alices))
    assert [view.key for view in sessions.own_sessions().listed] == [digest(alices)]
    with pytest.raises(sessions.NoSuchSessionError):
        sessions.end_own_session(digest(bobs))
    assert signed_in(bobs)
    assert sessions.end_other_sessions() == 0 and signed_in(bobs)
    # nobody signed in at all: nothing is ended
    monkeypatch.setattr(asking, "current", lambda: asking.NOBODY)
    with pytest.raises(NotSignedInError):
        sessions.end_all_sessions()
    assert signed_in(bobs)


async def test_a_password_sign_in_records_the_browser_and_its_address(user: User) -> None:
    alice = add_user("alice")
    await open_sessions(user)
    (row,) = rows_of(alice)
    assert (row.user_agent, row.address) == (CHROME_LINUX, "127.0.0.1")


async def test_what_a_session_keeps_of_a_header_is_printable_and_short(user: User) -> None:
    alice = add_user("alice")
    with session_scope() as session:
        auth_sessions.create_active(
            session, user_id=alice, user_agent="Evil\x00\nBrowser/1 " + "x" * 300, address="::1\x7f"
        )
    (row,) = rows_of(alice)
    assert row.user_agent.startswith("EvilBrowser/1 x") and len(row.user_agent) == 200
    assert row.address == "::1"


@pytest.fixture
def idp() -> Iterator[FakeOpenIDProvider]:
    forget_cached_metadata()
    profile = {"sub": "carol-1", "email": "carol@example.org", "email_verified": True}
    fake = FakeOpenIDProvider(client_id="app", client_secret="secret", profile=profile).start()
    yield fake
    fake.stop()


async def test_a_social_sign_in_records_the_browser_and_its_address(
    user: User, idp: FakeOpenIDProvider
) -> None:
    offer_staff(idp)
    transport = httpx.ASGITransport(app, client=("198.51.100.4", 50000))
    headers = {"user-agent": FIREFOX_WINDOWS}
    async with httpx.AsyncClient(
        transport=transport, base_url=f"http://{HOST}", headers=headers
    ) as browser:
        start = await browser.get("/oauth/staff/login?next=/profile")
        async with httpx.AsyncClient() as to_service:
            answer = await to_service.get(start.headers["location"])
        callback = urlsplit(answer.headers["location"])
        assert callback.path == "/oauth/staff/callback", parse_qs(callback.query)
        landed = await browser.get(f"{callback.path}?{callback.query}")
    assert landed.headers["location"] == "/profile"
    with session_scope() as session:
        carol = find_by_login(session, "staff_carol-1")
        assert carol is not None and carol.id is not None
        carol_id = carol.id
    (row,) = rows_of(carol_id)
    assert (row.user_agent, row.address) == (FIREFOX_WINDOWS, "198.51.100.4")


def test_devices_are_named_as_people_know_them() -> None:
    edge = CHROME_LINUX.replace("X11; Linux x86_64", "Windows NT 10.0; Win64; x64") + " Edg/126.0"
    android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"
    mac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15"
    assert device_of(CHROME_LINUX) == Device("Chrome", "Linux")
    assert device_of(SAFARI_IPHONE) == Device("Safari", "iOS")
    assert device_of(FIREFOX_WINDOWS) == Device("Firefox", "Windows")
    assert device_of(edge) == Device("Edge", "Windows")
    assert device_of(android) == Device("Chrome", "Android")
    assert device_of(mac) == Device("Safari", "macOS")
    assert device_of("curl/8.5.0") == Device("curl", "")
    assert device_of("") == Device("", "")
