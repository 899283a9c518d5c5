"""The test OpenID provider speaks real OpenID Connect over HTTP.

If these fail, every sign-in e2e test would fail for reasons that have nothing
to do with the app, so they pin down the fixture itself: discovery, the browser
sign-in and consent, the code exchange with PKCE, and a signed ID token that
carries the account's e-mail and name.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import urlencode

import httpx
from joserfc import jwt  # what authlib 1.9 uses (and points to) instead of authlib.jose
from joserfc.jwk import KeySet
from playwright.sync_api import Page, expect

from tests.support.callback_catcher import Callback
from tests.support.oidc_provider import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, OidcProvider


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_url(provider: OidcProvider, callback: Callback, challenge: str, **params: str) -> str:
    query = {
        "response_type": "code",
        "client_id": DEFAULT_CLIENT_ID,
        "redirect_uri": callback.url,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **params,
    }
    return f"{provider.discovery()['authorization_endpoint']}?{urlencode(query)}"


def sign_in(page: Page, callback: Callback, login: str = "alice") -> dict[str, str]:
    """Fill the provider's sign-in form, consent, and return the redirect's query."""
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any password works")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{callback.url}?*")
    assert len(callback.received) == 1
    return callback.received[0]


def test_discovery_names_the_issuer_and_its_endpoints(oidc_provider_factory) -> None:
    provider = oidc_provider_factory(["http://127.0.0.1:9/callback"])
    discovery = provider.discovery()
    assert discovery["issuer"] == provider.issuer == f"http://127.0.0.1:{provider.port}"
    for endpoint in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"):
        assert discovery[endpoint].startswith(provider.issuer + "/")
    assert "S256" in discovery["code_challenge_methods_supported"]
    assert {"openid", "email", "profile", "offline_access"} <= set(discovery["scopes_supported"])
    assert httpx.get(discovery["jwks_uri"]).json()["keys"]


def test_code_flow_with_pkce_gives_a_signed_id_token_with_email_and_name(
    oidc_provider_factory, callback: Callback, page: Page
) -> None:
    provider = oidc_provider_factory([callback.url])
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    verifier, challenge = pkce_pair()
    scope = "openid email profile"
    page.goto(authorize_url(provider, callback, challenge, scope=scope, state=state, nonce=nonce))
    query = sign_in(page, callback)
    assert query["state"] == state
    assert query["iss"] == provider.issuer

    discovery = provider.discovery()
    response = httpx.post(
        discovery["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": query["code"],
            "redirect_uri": callback.url,
            "code_verifier": verifier,
        },
        auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),  # client_secret_basic
    )
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert "refresh_token" not in tokens  # no offline_access asked

    keys = KeySet.import_key_set(httpx.get(discovery["jwks_uri"]).json())
    claims = jwt.decode(tokens["id_token"], keys).claims  # checks the signature
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": provider.issuer},
        aud={"essential": True, "value": DEFAULT_CLIENT_ID},
        nonce={"essential": True, "value": nonce},
    ).validate(claims)  # and the claims, expiry included
    assert claims["sub"] == "alice"
    assert claims["email"] == "alice@example.org"
    assert claims["email_verified"] is True
    assert claims["given_name"] == "Alice"
    assert claims["family_name"] == "Liddell"

    userinfo = httpx.get(
        discovery["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    ).json()
    assert userinfo["email"] == "alice@example.org"


def test_offline_access_with_prompt_consent_gives_a_working_refresh_token(
    oidc_provider_factory, callback: Callback, page: Page
) -> None:
    auth_method = "client_secret_post"
    provider = oidc_provider_factory([callback.url], token_endpoint_auth_method=auth_method)
    verifier, challenge = pkce_pair()
    # Without prompt=consent the provider drops offline_access (OpenID Connect Core 11).
    scope = "openid email offline_access"
    page.goto(authorize_url(provider, callback, challenge, scope=scope, prompt="consent"))
    code = sign_in(page, callback)["code"]

    token_endpoint = provider.discovery()["token_endpoint"]
    client = {"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET}
    response = httpx.post(
        token_endpoint,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": callback.url,
            "code_verifier": verifier,
            **client,  # client_secret_post
        },
    )
    assert response.status_code == 200, response.text
    refresh_token = response.json()["refresh_token"]

    refreshed = httpx.post(
        token_endpoint,
        data={"grant_type": "refresh_token", "refresh_token": refresh_token, **client},
    )
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["access_token"]


def test_a_login_that_is_not_an_account_gets_the_sign_in_form_again(
    oidc_provider_factory, callback: Callback, page: Page
) -> None:
    provider = oidc_provider_factory([callback.url])
    page.goto(authorize_url(provider, callback, pkce_pair()[1], scope="openid"))
    first_form = page.url
    page.fill("input[name=login]", "mallory")
    page.fill("input[name=password]", "whatever")
    page.get_by_role("button", name="Sign-in").click()
    expect(page).not_to_have_url(first_form)  # a new sign-in interaction...
    expect(page.locator("input[name=login]")).to_be_visible()  # ...with the same form
    assert callback.received == []

    assert "code" in sign_in(page, callback, login="alice")
