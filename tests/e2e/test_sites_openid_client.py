"""openid-client, the certified relying party library, signs in through our provider.

It checks what the specifications ask of a provider and no more: discovery, the code
flow with PKCE S256, state and nonce, the ID token's signature against our JWKS and its
claims, UserInfo, a refresh (ours rotates the refresh token on every use) and revocation.
A person signs in at our /login page in Chromium. The same script signs in at npm
oidc-provider (tests/support/test_openid_client_rp.py), so a failure here is ours.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.support.callback_catcher import Callback
from tests.support.openid_client_rp import OpenidClientRpError, run_openid_client_rp
from tests.support.provider_site import (
    RESERVED_SECRET,
    ROUND_TRIP,
    SECRET,
    ProviderSite,
    application,
    provider_site,
    sign_in_for,
)

__all__ = ["provider_site"]  # the fixture, for this module's tests

NAME = "Shop"
CLIENT_ID = "shop-client"


def browser_sign_in(
    page: Page, site: ProviderSite, callback: Callback, login: str
) -> Callable[[str], str]:
    """What a person does: open the application's link, sign in here; where they land."""

    def sign_in(authorize_url: str) -> str:
        answered = len(callback.received)
        page.goto(authorize_url)
        sign_in_for(page, site, NAME, login)
        page.wait_for_url(f"{callback.url}?*", timeout=ROUND_TRIP)
        assert len(callback.received) == answered + 1
        return page.url

    return sign_in


def straight_back(page: Page, callback: Callback) -> Callable[[str], str]:
    """A person whose answer needs no page of ours: signed in already, or told no at once."""

    def follow(authorize_url: str) -> str:
        answered = len(callback.received)
        page.goto(authorize_url)
        page.wait_for_url(f"{callback.url}?*", timeout=ROUND_TRIP)
        assert len(callback.received) == answered + 1
        return page.url

    return follow


def assert_signed_in(result: dict[str, Any], site: ProviderSite, sub: str, email: str) -> None:
    assert result["discovery"]["issuer"] == site.issuer
    assert result["discovery"]["token_endpoint"] == f"{site.issuer}/oidc/token"
    # openid-client validated the ID token (signature, iss, aud, nonce, exp) before this
    assert result["id_token"]["iss"] == site.issuer
    assert result["id_token"]["aud"] == CLIENT_ID
    assert result["id_token"]["sub"] == sub
    assert result["id_token"]["email"] == email
    assert result["userinfo"]["sub"] == sub
    assert result["userinfo"]["email"] == email
    assert result["code_exchange"]["refresh_token"]

    refresh = result["refresh"]
    assert refresh["new_access_token"]
    assert refresh["new_refresh_token"]  # rotated on use
    assert refresh["userinfo_sub"] == sub  # the new access token works

    revocation = result["revocation"]
    assert revocation["refresh_token_refused"]["error"] == "invalid_grant"
    assert revocation["access_token_refused"]["error"] == "invalid_token"


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
def test_a_confidential_application_signs_in_refreshes_and_revokes(
    provider_site: ProviderSite, callback: Callback, page: Page, auth_method: str
) -> None:
    sub = provider_site.add_user("alice", "alice@example.org")
    provider_site.configure([application("shop", NAME, CLIENT_ID, [callback.url])])
    result = run_openid_client_rp(
        issuer=provider_site.issuer,
        client_id=CLIENT_ID,
        client_secret=SECRET,
        auth_method=auth_method,
        redirect_uri=callback.url,
        sign_in=browser_sign_in(page, provider_site, callback, "alice"),
    )
    assert_signed_in(result, provider_site, sub, "alice@example.org")


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
def test_a_secret_with_reserved_characters_is_accepted(
    provider_site: ProviderSite, callback: Callback, page: Page, auth_method: str
) -> None:
    """openid-client form-encodes the Basic credentials, as RFC 6749 section 2.3.1 says."""
    sub = provider_site.add_user("alice", "alice@example.org")
    provider_site.configure(
        [application("shop", NAME, CLIENT_ID, [callback.url], secret=RESERVED_SECRET)]
    )
    result = run_openid_client_rp(
        issuer=provider_site.issuer,
        client_id=CLIENT_ID,
        client_secret=RESERVED_SECRET,
        auth_method=auth_method,
        redirect_uri=callback.url,
        sign_in=browser_sign_in(page, provider_site, callback, "alice"),
    )
    assert_signed_in(result, provider_site, sub, "alice@example.org")


def test_a_public_application_signs_in_with_pkce_refreshes_and_revokes(
    provider_site: ProviderSite, callback: Callback, page: Page
) -> None:
    sub = provider_site.add_user("alice", "alice@example.org")
    provider_site.configure([application("shop", NAME, CLIENT_ID, [callback.url], public=True)])
    result = run_openid_client_rp(
        issuer=provider_site.issuer,
        client_id=CLIENT_ID,
        redirect_uri=callback.url,  # no secret: token_endpoint_auth_method none
        sign_in=browser_sign_in(page, provider_site, callback, "alice"),
    )
    assert_signed_in(result, provider_site, sub, "alice@example.org")


def test_prompt_login_and_max_age_ask_a_signed_in_person_again(
    provider_site: ProviderSite, callback: Callback, page: Page
) -> None:
    provider_site.add_user("alice", "alice@example.org")
    provider_site.configure([application("shop", NAME, CLIENT_ID, [callback.url])])

    def run(sign_in: Callable[[str], str], **params: str) -> dict[str, Any]:
        return run_openid_client_rp(
            issuer=provider_site.issuer,
            client_id=CLIENT_ID,
            client_secret=SECRET,
            redirect_uri=callback.url,
            sign_in=sign_in,
            authorization_params=params,
        )

    first = run(browser_sign_in(page, provider_site, callback, "alice"))
    signed_in_at = first["id_token"]["auth_time"]
    again = run(straight_back(page, callback))  # the session here answers at once
    assert again["id_token"]["auth_time"] == signed_in_at
    asked = run(browser_sign_in(page, provider_site, callback, "alice"), prompt="login")
    assert asked["id_token"]["auth_time"] >= signed_in_at
    time.sleep(2)
    fresh = run(browser_sign_in(page, provider_site, callback, "alice"), max_age="1")
    assert fresh["id_token"]["auth_time"] > signed_in_at


def test_prompt_none_without_a_session_answers_login_required(
    provider_site: ProviderSite, callback: Callback, page: Page
) -> None:
    provider_site.configure([application("shop", NAME, CLIENT_ID, [callback.url])])
    with pytest.raises(OpenidClientRpError) as failure:
        run_openid_client_rp(
            issuer=provider_site.issuer,
            client_id=CLIENT_ID,
            client_secret=SECRET,
            redirect_uri=callback.url,
            sign_in=straight_back(page, callback),
            authorization_params={"prompt": "none"},
        )
    assert (failure.value.step, failure.value.error) == ("code_exchange", "login_required")
    assert callback.received[0]["iss"] == provider_site.issuer
