"""The provider role's protocol, through its HTTP endpoints: what an application meets.

A signed-in browser (the simulated user) asks for a code; the "application" is the test,
calling the token, UserInfo and revocation endpoints as a relying party would. The real
relying parties (Apache, openid-client, django-allauth) are in tests/e2e."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, parse_qsl, quote_plus, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from nicegui.testing import User
from sqlmodel import select, update

from admin_app.services.config_file import import_configuration
from models import auth_sessions
from models.db import session_scope
from models.tables import LinkedAccount, ProviderToken, Site, utcnow
from models.tables import User as UserRow
from tests.support.accounts import RETRIES, add_user, signed_in

CLIENT_ID = "shop-client"
SECRET = "s" * 40
REDIRECT = "http://127.0.0.1:8089/callback"
ISSUER = "http://127.0.0.1:8080"  # the test app's PUBLIC_URL


@pytest.fixture(autouse=True)
def on_the_runs_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite, or PostgreSQL under ``make test-pg``."""
    monkeypatch.setenv("SOCIALSERVICES_DATABASE_URL", database_url)


def register(extra: str = "", kind: str = "confidential") -> None:
    secret = f"  client_secret: {SECRET}\n" if kind == "confidential" else ""
    import_configuration(
        "applications:\n"
        "- id: shop\n  site: s1\n  name: Shop\n"
        f"  kind: {kind}\n  client_id: {CLIENT_ID}\n{secret}"
        f"  redirect_uris: [{REDIRECT}]\n"
        "  post_logout_redirect_uris: ['http://127.0.0.1:8089/bye']\n" + extra
    )


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.decode().rstrip("=")


async def authorize(user: User, **extra: str) -> httpx.Response:
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "scope": "openid profile email groups",
        "state": "st-1",
        "nonce": "n-1",
        **extra,
    }
    return await user.http_client.get("/oidc/authorize", params=params)


def answer_of(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?"), location
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


async def token(
    user: User, auth: tuple[str, str] | None = (CLIENT_ID, SECRET), **form: str
) -> httpx.Response:
    return await user.http_client.post("/oidc/token", data=form, auth=auth)


async def code_flow(user: User) -> dict[str, Any]:
    verifier, challenge = pkce()
    code = answer_of(await authorize(user, code_challenge=challenge, code_challenge_method="S256"))[
        "code"
    ]
    response = await token(
        user,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        code_verifier=verifier,
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert "set-cookie" not in response.headers  # an application's call carries no cookie
    return response.json()


async def id_claims(user: User, id_token: str) -> dict[str, Any]:
    keys = KeySet.import_key_set((await user.http_client.get("/oidc/jwks")).json())
    return dict(jwt.decode(id_token, keys).claims)


async def test_email_verified_is_the_accounts_own_verification(user: User) -> None:
    user_id = await signed_in(user)
    register()
    with session_scope() as session:  # a service's word for the address is not consulted
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
    claims = await id_claims(user, (await code_flow(user))["id_token"])
    assert (claims["email"], claims["email_verified"]) == ("alice@example.org", False)
    with session_scope() as session:  # proved by our link (or marked at a social sign-up)
        row = session.get(UserRow, user_id)
        assert row is not None
        row.email_verified = True
        session.add(row)
    claims = await id_claims(user, (await code_flow(user))["id_token"])
    assert (claims["email"], claims["email_verified"]) == ("alice@example.org", True)


async def test_the_picture_is_that_of_the_oldest_link_that_has_one(user: User) -> None:
    user_id = await signed_in(user)
    register()
    first = utcnow() - timedelta(days=3)
    links = ((0, "github", ""), (1, "vk", "https://p/vk.png"), (2, "google", "https://p/g.png"))
    with session_scope() as session:  # the oldest has none, the newest another picture
        for days, service, picture in links:
            session.add(
                LinkedAccount(
                    user_id=user_id,
                    provider=service,
                    service_id=service,
                    site_id="s1",
                    external_id=f"{service}-1",
                    picture_url=picture,
                    created_at=first + timedelta(days=days),
                )
            )
    tokens = await code_flow(user)
    assert (await id_claims(user, tokens["id_token"]))["picture"] == "https://p/vk.png"
    info = await user.http_client.get(
        "/oidc/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert info.json()["picture"] == "https://p/vk.png"


async def test_userinfo_tells_what_the_id_token_told_until_the_person_is_blocked(
    user: User,
) -> None:
    """UserInfo reads its facts its own way (one statement): a pairwise subject, the
    linked services and the groups agree with the ID token's; a block bites at once."""
    user_id = await signed_in(user)
    register()
    with session_scope() as session:
        site = session.get(Site, "s1")
        assert site is not None
        site.subject_type = "pairwise"
        session.add(site)
        for service in ("vk", "github"):
            session.add(
                LinkedAccount(
                    user_id=user_id,
                    provider=service,
                    service_id=service,
                    site_id="s1",
                    external_id=f"{service}-1",
                )
            )
    verifier, challenge = pkce()
    scope = "openid profile email groups linked_services"
    code = answer_of(
        await authorize(user, scope=scope, code_challenge=challenge, code_challenge_method="S256")
    )["code"]
    form = {"code": code, "redirect_uri": REDIRECT, "code_verifier": verifier}
    tokens = (await token(user, grant_type="authorization_code", **form)).json()
    claims = await id_claims(user, tokens["id_token"])
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    info = (await user.http_client.get("/oidc/userinfo", headers=bearer)).json()
    assert info["sub"] != str(user_id) and info["linked_services"] == ["github", "vk"]
    assert info == {key: claims[key] for key in info}
    with session_scope() as session:
        row = session.get(UserRow, user_id)
        assert row is not None
        row.is_active = False
        session.add(row)
    refused = await user.http_client.get("/oidc/userinfo", headers=bearer)
    assert (
        refused.status_code == 401
        and 'error="invalid_token"' in refused.headers["www-authenticate"]
    )


async def test_discovery_names_every_endpoint_of_the_sites_issuer(user: User) -> None:
    document = (await user.http_client.get("/.well-known/openid-configuration")).json()
    assert document["issuer"] == ISSUER
    for name, path in (
        ("authorization_endpoint", "/oidc/authorize"),
        ("token_endpoint", "/oidc/token"),
        ("userinfo_endpoint", "/oidc/userinfo"),
        ("jwks_uri", "/oidc/jwks"),
        ("revocation_endpoint", "/oidc/revoke"),
        ("end_session_endpoint", "/oidc/logout"),
    ):
        assert document[name] == ISSUER + path
    assert document["code_challenge_methods_supported"] == ["S256"]
    keys = (await user.http_client.get("/oidc/jwks")).json()["keys"]
    assert {key["alg"] for key in keys} == {"RS256", "ES256"}
    assert all("d" not in key for key in keys)  # no private part is ever published


async def test_a_signed_in_person_gets_a_code_then_tokens_with_their_claims(user: User) -> None:
    user_id = await signed_in(user)
    register()
    tokens = await code_flow(user)
    assert tokens["token_type"] == "Bearer" and tokens["refresh_token"]
    assert tokens["expires_in"] == 600 and tokens["scope"] == "openid profile email groups"
    claims = await id_claims(user, tokens["id_token"])
    assert claims["iss"] == ISSUER and claims["aud"] == CLIENT_ID
    assert claims["sub"] == str(user_id) and claims["nonce"] == "n-1"
    assert claims["email"] == "alice@example.org" and claims["email_verified"] is False
    assert claims["groups"] == ["registered"]
    info = await user.http_client.get(
        "/oidc/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert info.status_code == 200
    assert info.json()["preferred_username"] == "alice" and info.json()["sub"] == str(user_id)


async def test_state_and_issuer_come_back_with_the_code(user: User) -> None:
    await signed_in(user)
    register()
    answer = answer_of(await authorize(user))
    assert answer["state"] == "st-1" and answer["iss"] == ISSUER and answer["code"]


async def test_form_post_answers_with_a_form_the_browser_posts(user: User) -> None:
    await signed_in(user)
    register()
    response = await authorize(user, response_mode="form_post")
    assert response.status_code == 200
    assert f'action="{REDIRECT}"' in response.text and 'name="code"' in response.text


async def test_a_browser_not_signed_in_is_sent_to_sign_in_and_comes_back(user: User) -> None:
    add_user("alice")
    register()
    response = await authorize(user)
    location = response.headers["location"]
    assert location.startswith("/login?next=%2Foidc%2Fauthorize")
    await user.open(location)
    await user.should_see("Sign in to Shop", retries=RETRIES)


async def test_prompt_none_without_a_session_is_login_required(user: User) -> None:
    register()
    answer = answer_of(await authorize(user, prompt="none"))
    assert answer["error"] == "login_required" and answer["state"] == "st-1"


async def test_an_unknown_client_or_redirect_uri_gets_our_page_never_a_redirect(user: User) -> None:
    register()
    for extra in ({"client_id": "nobody"}, {"redirect_uri": "https://evil.example/cb"}):
        response = await authorize(user, **extra)
        assert response.headers["location"].startswith("/oidc/problem?reason=unknown_")
    await user.open("/oidc/problem?reason=unknown_redirect_uri")
    await user.should_see("has not registered", retries=RETRIES)


async def test_a_reused_code_is_refused_and_revokes_what_it_issued(user: User) -> None:
    await signed_in(user)
    register()
    code = answer_of(await authorize(user))["code"]
    first = await token(user, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert first.status_code == 200
    again = await token(user, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    info = await user.http_client.get(
        "/oidc/userinfo", headers={"Authorization": f"Bearer {first.json()['access_token']}"}
    )
    assert info.status_code == 401
    refreshed = await token(
        user, grant_type="refresh_token", refresh_token=first.json()["refresh_token"]
    )
    assert refreshed.json()["error"] == "invalid_grant"


async def test_pkce_mismatch_and_a_public_client_without_pkce_are_refused(user: User) -> None:
    await signed_in(user)
    register()
    _, challenge = pkce()
    code = answer_of(await authorize(user, code_challenge=challenge, code_challenge_method="S256"))[
        "code"
    ]
    wrong = await token(
        user,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        code_verifier="x" * 50,
    )
    assert wrong.json()["error"] == "invalid_grant"
    register(kind="public")
    answer = answer_of(await authorize(user))
    assert answer["error"] == "invalid_request"


async def test_a_wrong_client_secret_is_invalid_client(user: User) -> None:
    await signed_in(user)
    register()
    code = answer_of(await authorize(user))["code"]
    response = await token(
        user,
        (CLIENT_ID, "wrong" * 8),
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    assert response.headers["www-authenticate"].startswith("Basic")


async def test_refresh_tokens_rotate_and_a_reused_one_revokes_the_family(user: User) -> None:
    await signed_in(user)
    register()
    first = await code_flow(user)
    second = await token(user, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert second.status_code == 200 and second.json()["refresh_token"] != first["refresh_token"]
    replay = await token(user, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert replay.json()["error"] == "invalid_grant"
    after = await token(
        user, grant_type="refresh_token", refresh_token=second.json()["refresh_token"]
    )
    assert after.json()["error"] == "invalid_grant"  # the whole family went


async def test_a_blocked_users_refresh_is_refused(user: User) -> None:
    user_id = await signed_in(user)
    register()
    first = await code_flow(user)
    with session_scope() as session:
        row = session.get(UserRow, user_id)
        assert row is not None
        row.is_active = False
        session.add(row)
    refreshed = await token(user, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"


async def test_a_person_outside_the_applications_groups_gets_access_denied(user: User) -> None:
    await signed_in(user)
    register("  allowed_groups: [administrators]\n")
    answer = answer_of(await authorize(user))
    assert answer["error"] == "access_denied"


@pytest.mark.parametrize("hint", [True, False])
async def test_logout_ends_the_session_and_returns_only_to_a_registered_address(
    user: User, hint: bool
) -> None:
    await signed_in(user)
    register()
    tokens = await code_flow(user)
    params = {"post_logout_redirect_uri": "http://127.0.0.1:8089/bye", "state": "s9"}
    if hint:
        params["id_token_hint"] = tokens["id_token"]
    else:
        params["client_id"] = CLIENT_ID
    response = await user.http_client.get("/oidc/logout", params=params)
    if not hint:  # nothing proves who asks: the person is asked first
        assert response.headers["location"].startswith("/oidc/logout/confirm?")
        return
    assert response.headers["location"] == "http://127.0.0.1:8089/bye?state=s9"
    refreshed = await token(user, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refreshed.json()["error"] == "invalid_grant"
    evil = await user.http_client.get(
        "/oidc/logout",
        params={"client_id": CLIENT_ID, "post_logout_redirect_uri": "https://evil.example/"},
    )
    assert evil.headers["location"].startswith("/oidc/problem?reason=unknown_post_logout_uri")


async def test_an_expired_code_is_refused(user: User) -> None:
    await signed_in(user)
    register()
    code = answer_of(await authorize(user))["code"]
    with session_scope() as session:
        session.exec(update(ProviderToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    response = await token(user, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert "expired" in response.json()["error_description"]


async def test_a_member_of_a_group_denied_sign_in_gets_no_code(user: User) -> None:
    await signed_in(user)
    register()
    import_configuration("registration:\n  denied_auth_groups: [registered]\n")
    answer = answer_of(await authorize(user))
    assert answer["error"] == "access_denied" and "code" not in answer


@pytest.mark.parametrize("asked", [{"prompt": "login"}, {"max_age": "0"}])
async def test_a_new_sign_in_is_asked_for_and_then_the_code_comes(
    user: User, asked: dict[str, str]
) -> None:
    await signed_in(user)
    register()
    response = await authorize(user, **asked)
    location = response.headers["location"]
    assert location.startswith("/login?") and "again=1" in location
    back = parse_qs(urlsplit(location).query)["next"][0]
    assert "login_after=" in back and "prompt=login" not in back
    assert (await user.http_client.get(back)).headers["location"].startswith("/login?")
    # signing in again: the simulated browser follows the code to the application's
    # address, which it cannot open; the new session is what counts
    with session_scope() as session:
        row = session.exec(select(UserRow).where(UserRow.login == "alice")).one()
        fresh = auth_sessions.create_active(session, user_id=row.id or 0)
    answer = answer_of(await authorize_with_session(user, back, fresh))
    assert answer["code"]


async def authorize_with_session(user: User, back: str, token: str) -> httpx.Response:
    """``back`` asked by a browser whose session is ``token`` (signed in after the
    request was sent to sign in again)."""
    from admin_app.provider import authorize as use_case

    decision = use_case.decide(
        dict(parse_qsl(urlsplit(back).query)),
        host="127.0.0.1:8080",
        auth_token=token,
        language="en",
    )
    return httpx.Response(303, headers={"location": decision.location})


async def test_a_browser_application_may_call_the_endpoints_from_its_own_origin(
    user: User,
) -> None:
    for path in ("/oidc/token", "/oidc/userinfo", "/oidc/revoke"):
        answer = await user.http_client.options(
            path,
            headers={
                "Origin": "https://spa.example.org",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization",
            },
        )
        assert answer.status_code == 204
        assert answer.headers["access-control-allow-origin"] == "*"
        assert "Authorization" in answer.headers["access-control-allow-headers"]


async def test_a_secret_sent_in_basic_without_form_encoding_is_accepted(user: User) -> None:
    await signed_in(user)
    import_configuration(
        "applications:\n- id: shop\n  site: s1\n  name: Shop\n"
        f"  client_id: {CLIENT_ID}\n  client_secret: 'plus+and%25percent-{'x' * 20}'\n"
        f"  redirect_uris: [{REDIRECT}]\n"
    )
    secret = f"plus+and%25percent-{'x' * 20}"
    for sent in (secret, quote_plus(secret)):  # as sent raw, and as RFC 6749 2.3.1 says
        code = answer_of(await authorize(user))["code"]
        response = await token(
            user,
            (CLIENT_ID, sent),
            grant_type="authorization_code",
            code=code,
            redirect_uri=REDIRECT,
        )
        assert response.status_code == 200, response.text
