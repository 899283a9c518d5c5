"""Our `oidc` service against a real OpenID Connect provider (npm oidc-provider), with a
person signing in and consenting in Chromium: discovery, PKCE, nonce, the signed ID token."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Page, expect

from providers.base import ProviderError, ServiceConfig, SignInResult
from providers.oidc import OpenIDConnect
from providers.openid import forget_cached_metadata
from tests.support.callback_catcher import Callback
from tests.support.oidc_provider import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, OidcProvider

T = TypeVar("T")


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Our async code, beside Playwright's synchronous loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def service_for(idp: OidcProvider, secret: str = DEFAULT_CLIENT_SECRET) -> OpenIDConnect:
    forget_cached_metadata()
    return OpenIDConnect(
        ServiceConfig(
            settings={"client_id": DEFAULT_CLIENT_ID, "client_secret": secret},
            endpoints={"issuer": idp.issuer},
        )
    )


def consent_in_browser(page: Page, url: str, login: str = "alice") -> None:
    page.goto(url)
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password")
    page.locator("button[type=submit]").click()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("body")).to_contain_text("signed in")


def test_sign_in_through_a_real_provider(
    page: Page, callback: Callback, oidc_provider_factory: Callable[..., OidcProvider]
) -> None:
    idp = oidc_provider_factory([callback.url])
    service = service_for(idp)
    request = run_async(service.begin(callback.url))
    consent_in_browser(page, request.url)
    result: SignInResult = run_async(service.finish(request, callback.received[-1], callback.url))
    profile = result.profile
    assert (profile.external_id, profile.email, profile.email_verified) == (
        "alice",
        "alice@example.org",
        True,
    )
    assert (profile.first_name, profile.last_name) == ("Alice", "Liddell")
    assert result.tokens.access_token and result.tokens.id_token


def test_a_wrong_secret_and_a_replayed_code_are_refused(
    page: Page, callback: Callback, oidc_provider_factory: Callable[..., OidcProvider]
) -> None:
    idp = oidc_provider_factory([callback.url])
    request = run_async(service_for(idp).begin(callback.url))
    consent_in_browser(page, request.url)
    answer = callback.received[-1]
    with pytest.raises(ProviderError) as error:
        run_async(service_for(idp, "not the secret").finish(request, answer, callback.url))
    assert error.value.code == "provider_error"  # invalid_client
    # what the administrator's "Try it" shows: the provider's own words
    assert error.value.facts["error"] == "invalid_client"
    assert error.value.facts["error_description"]
    run_async(service_for(idp).finish(request, answer, callback.url))
    with pytest.raises(ProviderError) as error:
        run_async(service_for(idp).finish(request, answer, callback.url))
    assert error.value.code == "invalid_grant"


def test_an_unreadable_discovery_document_is_named_with_its_url(
    oidc_provider_factory: Callable[..., OidcProvider],
) -> None:
    idp = oidc_provider_factory(["http://127.0.0.1:9/cb"])
    forget_cached_metadata()
    service = OpenIDConnect(
        ServiceConfig(
            settings={"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET},
            endpoints={"issuer": f"{idp.issuer}/no-such-realm"},
        )
    )
    with pytest.raises(ProviderError) as error:
        run_async(service.begin("http://127.0.0.1:9/cb"))
    facts = error.value.facts
    assert facts["discovery_url"] == f"{idp.issuer}/no-such-realm/.well-known/openid-configuration"
    assert "404" in facts["problem"]
