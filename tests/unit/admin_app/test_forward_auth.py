"""Forward authentication, through its HTTP endpoints, as a reverse proxy and a browser
meet them: ``/auth/verify`` and ``/auth/refused`` asked with the browser's cookies and
the original request's address, ``/auth/start`` on our host, the one-time code landing on
the application's host. nginx itself in front of the app is in tests/e2e."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import itsdangerous
import pytest
from nicegui import core
from nicegui.testing import User
from sqlmodel import select

from admin_app.core import runtime
from admin_app.services.config_file import (
    ConfigFileError,
    export_configuration,
    import_configuration,
)
from models import auth_sessions
from models.db import session_scope
from models.tables import LinkedAccount, ProviderGrant
from models.tables import User as UserRow
from models.user_queries import set_memberships
from tests.support.accounts import add_user, signed_in

WIKI = "wiki.example.org"
ISSUER = "http://127.0.0.1:8080"  # the test app's PUBLIC_URL


@pytest.fixture(autouse=True)
def on_the_runs_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite, or PostgreSQL under ``make test-pg``."""
    monkeypatch.setenv("SOCIALSERVICES_DATABASE_URL", database_url)


def register(extra: str = "") -> None:
    import_configuration(
        "applications:\n"
        f"- id: wiki\n  site: s1\n  name: Wiki\n  kind: proxy\n  hosts: [{WIKI}]\n"
        + extra
        + "- id: board\n  site: s1\n  name: Board\n  kind: proxy\n  hosts: [board.example.org]\n"
    )


def proxy() -> httpx.AsyncClient:
    """The reverse proxy: no cookie jar of its own, it passes on the browser's."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(core.app), base_url="http://test")


async def verify(
    url: str = f"https://{WIKI}/page", cookies: dict[str, str] | None = None, **params: str
) -> httpx.Response:
    header = "; ".join(f"{name}={value}" for name, value in (cookies or {}).items())
    async with proxy() as client:
        return await client.get(
            "/auth/verify",
            params=params,
            headers={"X-Original-URL": url, **({"Cookie": header} if header else {})},
        )


async def start(user: User, rd: str) -> httpx.Response:
    """``/auth/start`` as nginx's ``return 302 .../auth/start?rd=$scheme://$host$uri``
    writes it: the address unencoded, its own query included."""
    return await user.http_client.get(f"/auth/start?rd={rd}")


async def land(location: str) -> httpx.Response:
    """The browser follows the code to the application's host, where the proxy passes
    ``/_socialservices/`` to us with the original Host."""
    parts = urlsplit(location)
    async with proxy() as client:
        return await client.get(
            f"{parts.path}?{parts.query}",
            headers={"Host": parts.netloc, "X-Forwarded-Proto": parts.scheme},
        )


async def proxy_cookie(user: User, rd: str = f"https://{WIKI}/page?x=1&y=2") -> str:
    response = await start(user, rd)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith(f"https://{WIKI}/_socialservices/callback?code="), location
    landed = await land(location)
    assert landed.status_code == 303
    assert landed.headers["location"] == urlsplit(rd).path + (
        f"?{urlsplit(rd).query}" if urlsplit(rd).query else ""
    )
    cookie = landed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "Domain" not in cookie
    return landed.cookies["socialservices_proxy"]


async def test_nobody_signed_in_gets_401_or_traefiks_redirect_to_our_sign_in(user: User) -> None:
    register()
    assert (await verify()).status_code == 401
    redirected = await verify(redirect="1")
    assert redirected.status_code == 302
    expected = f"{ISSUER}/auth/start?rd={quote(f'https://{WIKI}/page', safe='')}"
    assert redirected.headers["location"] == expected
    forwarded = await _verify_forwarded("https", WIKI, "/page")
    assert forwarded.status_code == 401


async def _verify_forwarded(scheme: str, host: str, uri: str) -> httpx.Response:
    async with proxy() as client:
        return await client.get(
            "/auth/verify",
            headers={"X-Forwarded-Proto": scheme, "X-Forwarded-Host": host, "X-Forwarded-Uri": uri},
        )


async def test_a_host_no_application_lists_gets_403(user: User) -> None:
    register()
    assert (await verify("https://elsewhere.example.org/")).status_code == 403
    async with proxy() as client:
        assert (await client.get("/auth/verify")).status_code == 403  # no request named
    page = await verify("https://elsewhere.example.org/")
    assert "x-auth-request-user" not in page.headers


async def test_sign_in_comes_back_to_the_page_and_the_proxy_learns_who_it_is(user: User) -> None:
    user_id = await signed_in(user)
    register()
    cookie = await proxy_cookie(user)
    allowed = await verify(cookies={"socialservices_proxy": cookie})
    assert allowed.status_code == 200
    assert allowed.headers["x-auth-request-user"] == str(user_id)
    assert allowed.headers["x-auth-request-preferred-username"] == "alice"
    assert allowed.headers["x-auth-request-groups"] == "registered"
    assert "x-auth-request-email" not in allowed.headers  # typed in a form: not verified
    # the application's own cookie is worth nothing on another application's host
    other = await verify("https://board.example.org/", cookies={"socialservices_proxy": cookie})
    assert other.status_code == 401


async def test_the_email_goes_to_the_proxy_once_it_is_verified(user: User) -> None:
    user_id = await signed_in(user)
    register()
    with session_scope() as session:  # a service vouching for it is not enough by itself
        session.add(
            LinkedAccount(
                user_id=user_id,
                provider="google",
                service_id="google",
                site_id="s1",
                external_id="g-1",
                email="alice@example.org",
                email_verified=True,
            )
        )
    cookie = await proxy_cookie(user)
    allowed = await verify(cookies={"socialservices_proxy": cookie})
    assert "x-auth-request-email" not in allowed.headers
    with session_scope() as session:  # proved by a link, or marked so by the service's word
        row = session.get(UserRow, user_id)
        assert row is not None
        row.email_verified = True
        session.add(row)
    allowed = await verify(cookies={"socialservices_proxy": cookie})
    assert allowed.headers["x-auth-request-email"] == "alice@example.org"


async def test_an_unsigned_in_browser_is_sent_to_sign_in_and_back(user: User) -> None:
    register()
    response = await start(user, f"https://{WIKI}/page?x=1&y=2")
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/login?next=")
    next_path = parse_qs(urlsplit(location).query)["next"][0]
    assert next_path == f"/auth/start?rd={quote(f'https://{WIKI}/page?x=1&y=2', safe='')}"
    add_user("alice")
    await user.open(location)
    await user.should_see("Wiki")  # "Sign in to Wiki"


async def test_return_addresses_off_the_applications_hosts_are_not_followed(user: User) -> None:
    await signed_in(user)
    register()
    for rd in (
        "https://evil.example.net/",
        f"https://{WIKI}.evil.example.net/",
        f"https://user@{WIKI}/",
        f"javascript:alert(1)//{WIKI}",
        f"//{WIKI}/",
        "",
    ):
        response = await start(user, rd)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/oidc/problem?reason="), rd


async def test_a_code_is_taken_once_and_only_on_its_own_host(user: User) -> None:
    await signed_in(user)
    register()
    location = (await start(user, f"https://{WIKI}/page")).headers["location"]
    code = parse_qs(urlsplit(location).query)["code"][0]
    moved = await land(f"https://board.example.org/_socialservices/callback?code={code}")
    assert moved.status_code == 400 and "set-cookie" not in moved.headers
    location = (await start(user, f"https://{WIKI}/page")).headers["location"]
    first = await land(location)
    assert first.status_code == 303
    replayed = await land(location)
    assert replayed.status_code == 400 and "set-cookie" not in replayed.headers
    # a replay revokes what the code gave: the cookie set the first time is worth nothing
    assert (await verify(cookies=dict(first.cookies))).status_code == 401
    forged = await land(f"https://{WIKI}/_socialservices/callback?code=made-up")
    assert forged.status_code == 400


async def test_sign_out_block_and_password_change_answer_401_at_once(user: User) -> None:
    user_id = await signed_in(user)
    register()
    cookie = {"socialservices_proxy": await proxy_cookie(user)}
    assert (await verify(cookies=cookie)).status_code == 200
    with session_scope() as session:
        auth_sessions.end_all_of(session, user_id)
    assert (await verify(cookies=cookie)).status_code == 401
    with session_scope() as session:
        assert not session.exec(select(ProviderGrant)).all()


async def test_a_blocked_person_is_refused_before_any_session_ends(user: User) -> None:
    user_id = await signed_in(user)
    register()
    cookie = {"socialservices_proxy": await proxy_cookie(user)}
    with session_scope() as session:
        row = session.get(UserRow, user_id)
        assert row is not None
        row.is_active = False
    assert (await verify(cookies=cookie)).status_code == 401


async def test_a_person_outside_the_allowed_groups_gets_403_and_our_page_says_why(
    user: User,
) -> None:
    user_id = await signed_in(user)
    register("  allowed_groups: [registered]\n")
    cookie = {"socialservices_proxy": await proxy_cookie(user)}
    assert (await verify(cookies=cookie)).status_code == 200
    with session_scope() as session:
        set_memberships(session, user_id, [])
    assert (await verify(cookies=cookie)).status_code == 403
    async with proxy() as client:
        page = await client.get(
            "/auth/refused",
            headers={
                "X-Original-URL": f"https://{WIKI}/page",
                "Cookie": f"socialservices_proxy={cookie['socialservices_proxy']}",
            },
        )
    assert page.status_code == 403
    assert "Wiki is only for members of certain groups" in page.text and "alice" in page.text
    refused = await start(user, f"https://{WIKI}/page")
    assert refused.status_code == 403 and "Wiki is only for members" in refused.text


def _session_cookie(secret: str, content: dict[str, str]) -> str:
    """A session cookie as Starlette's SessionMiddleware signs it."""
    data = base64.b64encode(json.dumps(content).encode())
    return itsdangerous.TimestampSigner(secret).sign(data).decode()


async def test_cookies_from_elsewhere_get_401(user: User) -> None:
    await signed_in(user)
    register()
    assert (await verify(cookies={"socialservices_proxy": "x" * 43})).status_code == 401
    # a session cookie as another installation signs it, holding a token of ours
    with session_scope() as session:
        token = auth_sessions.create_active(session, user_id=1)
    forged = _session_cookie("another installation's secret key", {"auth": token})
    assert (await verify(cookies={"socialservices_session": forged})).status_code == 401


async def test_with_a_parent_domain_our_session_cookie_is_enough(
    user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    await signed_in(user)
    register()
    with session_scope() as session:
        token = auth_sessions.create_active(session, user_id=1)
    ours = _session_cookie(runtime.secret_key(), {"auth": token})
    assert (await verify(cookies={"socialservices_session": ours})).status_code == 401
    monkeypatch.setattr(runtime.settings(), "cookie_domain", "example.org")
    assert (await verify(cookies={"socialservices_session": ours})).status_code == 200
    # and /auth/start sends the browser straight back, with no code
    response = await start(user, f"https://{WIKI}/page")
    assert response.headers["location"] == f"https://{WIKI}/page"


def test_a_proxy_application_names_its_hosts_and_nothing_of_openid_connect(user: User) -> None:
    with pytest.raises(ConfigFileError) as raised:
        import_configuration(
            "applications:\n"
            "- id: wiki\n  site: s1\n  name: Wiki\n  kind: proxy\n"
            "  redirect_uris: ['https://wiki.example.org/cb']\n"
            "- id: board\n  site: s1\n  name: Board\n  kind: proxy\n  hosts: [Wiki.Example.org]\n"
            "- id: blog\n  site: s1\n  name: Blog\n  kind: proxy\n  hosts: ['bad host']\n"
        )
    text = str(raised.value)
    assert "applications[0].hosts" in text and "applications[0].redirect_uris" in text
    assert "applications[2].hosts[0]" in text


def test_a_host_is_served_by_one_application(user: User) -> None:
    with pytest.raises(ConfigFileError) as raised:
        import_configuration(
            "applications:\n"
            f"- id: wiki\n  site: s1\n  name: Wiki\n  kind: proxy\n  hosts: [{WIKI}]\n"
            f"- id: wiki2\n  site: s1\n  name: Wiki 2\n  kind: proxy\n  hosts: [{WIKI.upper()}]\n"
        )
    assert "applications[1].hosts[0]" in str(raised.value)


def test_proxy_applications_and_back_channel_uris_round_trip_through_the_config_file(
    user: User,
) -> None:
    import_configuration(
        "applications:\n"
        f"- id: wiki\n  site: s1\n  name: Wiki\n  kind: proxy\n  hosts: [{WIKI}]\n"
        "  allowed_groups: [registered]\n"
        "- id: shop\n  site: s1\n  name: Shop\n  kind: public\n  client_id: shop-app\n"
        "  redirect_uris: ['https://shop.example.org/cb']\n"
        "  backchannel_logout_uri: https://shop.example.org/backchannel\n"
    )
    exported = export_configuration(with_secrets=False)
    assert f"hosts:\n  - {WIKI}" in exported
    assert "backchannel_logout_uri: https://shop.example.org/backchannel" in exported
    import_configuration(exported)
    assert export_configuration(with_secrets=False) == exported


async def test_traefik_and_caddy_show_the_browser_our_page_on_a_refusal(user: User) -> None:
    """They pass verify's answer to the browser as it is (nginx asks /auth/refused)."""
    user_id = await signed_in(user)
    register("  allowed_groups: [registered]\n")
    cookie = await proxy_cookie(user)
    with session_scope() as session:
        set_memberships(session, user_id, [])
    async with proxy() as client:
        page = await client.get(
            "/auth/verify?redirect=1",
            headers={
                "X-Forwarded-Proto": "https",
                "X-Forwarded-Host": WIKI,
                "X-Forwarded-Uri": "/page",
                "Cookie": f"socialservices_proxy={cookie}",
            },
        )
    assert page.status_code == 403 and page.headers["content-type"].startswith("text/html")
    assert "Wiki is only for members of certain groups" in page.text
    unknown = await _verify_forwarded("https", "elsewhere.example.org", "/")
    assert unknown.status_code == 403
