"""openid-client, the certified relying party library, signs in at the test provider.

This proves the relying party (tests/support/openid_client_rp.py) before it is pointed at
our own provider: if it fails here, the fault is in the harness, not in our app. A person
signs in in Chromium; the client must come away with a verified ID token and UserInfo
naming them, a refresh that works and rotates, and a revoked token that no longer works.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.support.callback_catcher import Callback
from tests.support.oidc_provider import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, OidcProvider
from tests.support.openid_client_rp import OpenidClientRpError, run_openid_client_rp

# oidc-provider keeps offline_access (and so issues a refresh token) only with prompt=consent.
OFFLINE = {"prompt": "consent"}


def browser_sign_in(page: Page, callback: Callback) -> Callable[[str], str]:
    """What a person does: open the link, sign in at the provider, agree; where they land."""

    def sign_in(authorize_url: str) -> str:
        page.goto(authorize_url)
        page.fill("input[name=login]", "alice")
        page.fill("input[name=password]", "any password works")
        page.get_by_role("button", name="Sign-in").click()
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(f"{callback.url}?*")
        assert len(callback.received) == 1
        return page.url

    return sign_in


def assert_signed_in_as_alice(result: dict[str, Any], provider: OidcProvider) -> None:
    assert result["discovery"]["issuer"] == provider.issuer
    assert result["id_token"]["iss"] == provider.issuer
    assert result["id_token"]["sub"] == "alice"
    assert result["id_token"]["email"] == "alice@example.org"
    assert result["userinfo"]["email"] == "alice@example.org"
    assert result["userinfo"]["name"] == "Alice Liddell"

    refresh = result["refresh"]
    assert refresh["new_access_token"]
    assert refresh["userinfo_sub"] == "alice"  # the new access token works
    assert refresh["id_token"]["sub"] == "alice"

    revocation = result["revocation"]
    assert revocation["refresh_token_refused"]["error"] == "invalid_grant"
    assert revocation["access_token_refused"]["error"] == "invalid_token"


def test_a_public_client_signs_in_refreshes_with_rotation_and_revokes(
    oidc_provider_factory, callback: Callback, page: Page
) -> None:
    provider = oidc_provider_factory([callback.url], token_endpoint_auth_method="none")
    result = run_openid_client_rp(
        issuer=provider.issuer,
        client_id=DEFAULT_CLIENT_ID,
        redirect_uri=callback.url,
        sign_in=browser_sign_in(page, callback),
        authorization_params=OFFLINE,
    )
    assert_signed_in_as_alice(result, provider)
    assert "offline_access" in result["code_exchange"]["scope"].split()
    # oidc-provider rotates a public client's refresh token on every use.
    assert result["refresh"]["new_refresh_token"]


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
def test_a_confidential_client_signs_in_refreshes_and_revokes(
    oidc_provider_factory, callback: Callback, page: Page, auth_method: str
) -> None:
    provider = oidc_provider_factory([callback.url], token_endpoint_auth_method=auth_method)
    result = run_openid_client_rp(
        issuer=provider.issuer,
        client_id=DEFAULT_CLIENT_ID,
        client_secret=DEFAULT_CLIENT_SECRET,
        auth_method=auth_method,
        redirect_uri=callback.url,
        sign_in=browser_sign_in(page, callback),
        authorization_params=OFFLINE,
    )
    assert_signed_in_as_alice(result, provider)
    # No rotation asserted: oidc-provider rotates a confidential client's refresh token
    # only near its expiry (its default rotateRefreshToken); our provider rotates always.


def test_a_wrong_client_secret_is_reported_with_the_step_and_the_providers_error(
    oidc_provider_factory, callback: Callback, page: Page
) -> None:
    provider = oidc_provider_factory([callback.url])
    with pytest.raises(OpenidClientRpError) as failure:
        run_openid_client_rp(
            issuer=provider.issuer,
            client_id=DEFAULT_CLIENT_ID,
            client_secret="not-the-secret",
            redirect_uri=callback.url,
            sign_in=browser_sign_in(page, callback),
        )
    assert failure.value.step == "code_exchange"
    assert failure.value.error == "invalid_client"
