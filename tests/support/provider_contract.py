"""The contract every provider passes, against its fake service over real HTTP.

A provider's test module subclasses ``ProviderContract`` and fills in the class attributes:
its provider class and fake, the settings, a profile in the provider's own format and the
profile we expect to map it to. Everything below then runs for it.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from providers import http as provider_http
from providers.base import (
    ERROR_MESSAGES,
    AuthorizationRequest,
    Provider,
    ProviderError,
    ServiceConfig,
    SignInResult,
)
from providers.openid import OpenIDProvider, forget_cached_metadata
from tests.support.fakes.oauth import FakeOAuthService

REDIRECT_URI = "https://sso.example.org/oauth/service/callback"
HTML_NAME = "<img src=x onerror=alert(1)>"

FAILURES = {
    "invalid_grant": "invalid_grant",
    "token_500": "unavailable",
    "token_slow": "timeout",
    "token_malformed": "malformed_response",
    "profile_500": "unavailable",
    "profile_slow": "timeout",
    "profile_malformed": "malformed_response",
    "profile_no_id": "missing_id",
}


class _FormFields(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "input" and values.get("name"):
            self.fields[str(values["name"])] = values.get("value") or ""


async def follow_authorize(
    request: AuthorizationRequest, browser: httpx.AsyncClient | None = None
) -> dict[str, str]:
    """What the browser brings back to the callback: query parameters, or a form_post.
    ``browser``: the client to use (closed after), when a test sets it up itself."""
    async with browser or httpx.AsyncClient() as client:
        response = await client.get(request.url)
    if response.status_code == 302:
        return {k: v[-1] for k, v in parse_qs(urlsplit(response.headers["location"]).query).items()}
    assert response.status_code == 200, response.text
    parser = _FormFields()
    parser.feed(response.text)
    return parser.fields


class ProviderContract:
    provider: ClassVar[type[Provider]]
    fake: ClassVar[type[FakeOAuthService]]
    settings: ClassVar[dict[str, str]]
    profile: ClassVar[dict[str, Any]]
    expected: ClassVar[dict[str, Any]]
    #: the profile key whose value becomes our first name (for the HTML-as-text check)
    first_name_key: ClassVar[str] = "given_name"
    #: the profile key whose value becomes the account id
    id_key: ClassVar[str] = "sub"
    #: further parameters the authorize request must carry, e.g. {"force_confirm": "yes"}
    authorize_params: ClassVar[dict[str, str]] = {}

    @pytest.fixture(autouse=True)
    def short_timeout(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(provider_http, "TIMEOUT", httpx.Timeout(0.3))
        forget_cached_metadata()

    def make_fake(self, profile: dict[str, Any] | None = None) -> FakeOAuthService:
        settings = self.settings
        return self.fake(
            client_id=settings.get(self.provider.client_id_key, ""),
            client_secret=settings.get(self.provider.client_secret_key, ""),
            profile=self.profile if profile is None else profile,
        ).start()

    @pytest.fixture
    def service(self) -> Iterator[FakeOAuthService]:
        fake = self.make_fake()
        yield fake
        fake.stop()

    def make_provider(self, service: FakeOAuthService, **settings: str) -> Provider:
        config = ServiceConfig(
            settings={**self.settings, **settings}, endpoints=service.endpoints()
        )
        return self.provider(config)

    def profile_with_id(self, value: str) -> dict[str, Any]:
        """The profile with ``value`` as the service's account id."""
        return {**self.profile, self.id_key: value}

    def profile_with_first_name(self, value: str) -> dict[str, Any]:
        """The profile with ``value`` where the service puts the first (or only) name."""
        return {**self.profile, self.first_name_key: value}

    def expected_id(self, value: str) -> str:
        """Our account id for a profile whose own id is ``value``."""
        return value

    async def sign_in_with(self, profile: dict[str, Any]) -> SignInResult:
        service = self.make_fake(profile)
        try:
            return await self.sign_in(service)
        finally:
            service.stop()

    async def sign_in(self, service: FakeOAuthService) -> SignInResult:
        provider = self.make_provider(service)
        request = await provider.begin(REDIRECT_URI)
        callback = await follow_authorize(request)
        return await provider.finish(request, callback, REDIRECT_URI)

    async def failure_code(self, service: FakeOAuthService, failure: str) -> str:
        service.failure = failure
        with pytest.raises(ProviderError) as error:
            await self.sign_in(service)
        assert error.value.message in ERROR_MESSAGES.values()
        return error.value.code

    # ------------------------------------------------------------------ the tests

    async def test_authorize_request(self, service: FakeOAuthService) -> None:
        provider = self.make_provider(service)
        first, second = await provider.begin(REDIRECT_URI), await provider.begin(REDIRECT_URI)
        params = {k: v[-1] for k, v in parse_qs(urlsplit(first.url).query).items()}
        assert params["client_id"] == self.settings[self.provider.client_id_key]
        assert params["response_type"] == "code"
        assert params["redirect_uri"] == REDIRECT_URI
        assert params["state"] == first.state and len(first.state) >= 20
        assert first.state != second.state
        if self.provider.scopes:
            assert params["scope"] == self.provider.scope_separator.join(self.provider.scopes)
        if self.provider.pkce:
            assert params["code_challenge_method"] == "S256"
            assert first.code_verifier and params["code_challenge"] != first.code_verifier
        else:
            assert "code_challenge" not in params
        if issubclass(self.provider, OpenIDProvider):
            assert first.nonce and params["nonce"] == first.nonce != second.nonce
        for key, value in self.authorize_params.items():
            assert params.get(key) == value, key

    async def test_sign_in_maps_the_profile(self, service: FakeOAuthService) -> None:
        result = await self.sign_in(service)
        mapped = {key: getattr(result.profile, key) for key in self.expected}
        assert mapped == self.expected
        assert result.tokens.access_token
        assert result.profile.raw  # kept for the administrator's "Try it"

    async def test_code_is_single_use(self, service: FakeOAuthService) -> None:
        provider = self.make_provider(service)
        request = await provider.begin(REDIRECT_URI)
        callback = await follow_authorize(request)
        await provider.finish(request, callback, REDIRECT_URI)
        with pytest.raises(ProviderError) as error:
            await provider.finish(request, callback, REDIRECT_URI)
        assert error.value.code == "invalid_grant"

    async def test_redirect_uri_must_be_the_authorize_one(self, service: FakeOAuthService) -> None:
        provider = self.make_provider(service)
        request = await provider.begin(REDIRECT_URI)
        callback = await follow_authorize(request)
        with pytest.raises(ProviderError) as error:
            await provider.finish(request, callback, REDIRECT_URI + "?other")
        assert error.value.code == "invalid_grant"

    async def test_forged_state_is_refused_before_any_request(
        self, service: FakeOAuthService
    ) -> None:
        provider = self.make_provider(service)
        request = await provider.begin(REDIRECT_URI)
        callback = await follow_authorize(request)
        seen = len(service.requests)
        with pytest.raises(ProviderError) as error:
            await provider.finish(request, {**callback, "state": "forged"}, REDIRECT_URI)
        assert error.value.code == "invalid_response"
        assert len(service.requests) == seen

    async def test_user_cancelled(self, service: FakeOAuthService) -> None:
        assert await self.failure_code(service, "access_denied") == "cancelled"

    @pytest.mark.parametrize(("failure", "code"), sorted(FAILURES.items()))
    async def test_failures_become_one_typed_error(
        self, service: FakeOAuthService, failure: str, code: str
    ) -> None:
        assert await self.failure_code(service, failure) == code

    async def test_wrong_client_secret_is_refused(self, service: FakeOAuthService) -> None:
        provider = self.make_provider(service, **{self.provider.client_secret_key: "wrong"})
        request = await provider.begin(REDIRECT_URI)
        with pytest.raises(ProviderError) as error:
            await provider.finish(request, await follow_authorize(request), REDIRECT_URI)
        assert error.value.code in {"provider_error", "invalid_response"}

    async def test_missing_setting_is_a_configuration_error(
        self, service: FakeOAuthService
    ) -> None:
        required = [f.key for f in self.provider.fields if f.required and not f.default]
        for key in required:
            provider = self.make_provider(service, **{key: ""})
            with pytest.raises(ProviderError) as error:
                request = await provider.begin(REDIRECT_URI)
                await provider.finish(request, await follow_authorize(request), REDIRECT_URI)
            assert error.value.code == "misconfigured", key

    async def test_html_in_a_profile_is_kept_as_text(self) -> None:
        service = self.make_fake({**self.profile, self.first_name_key: HTML_NAME})
        try:
            result = await self.sign_in(service)
        finally:
            service.stop()
        assert result.profile.first_name == HTML_NAME

    # ------------------------------------------- values from the service (the boundary)

    @pytest.mark.parametrize("value", [" alice", "alice ", "Alice"])
    async def test_account_id_is_kept_exactly(self, value: str) -> None:
        """No stripping, no case folding: " alice" is not "alice" at the service."""
        result = await self.sign_in_with(self.profile_with_id(value))
        assert result.profile.external_id == self.expected_id(value)

    @pytest.mark.parametrize(
        "value",
        ["alice\x00", "x" * 256, "\x1b[31malice", "ali\u0085ce"],
        ids=["nul", "256-characters", "escape", "c1-control"],
    )
    async def test_unusable_account_id_is_refused_never_altered(self, value: str) -> None:
        with pytest.raises(ProviderError) as error:
            await self.sign_in_with(self.profile_with_id(value))
        assert error.value.code == "invalid_id"
        assert error.value.message in ERROR_MESSAGES.values()
        assert value not in error.value.detail  # the log gets it escaped, and cut

    async def test_long_name_arrives_cut_to_its_column(self) -> None:
        result = await self.sign_in_with(self.profile_with_first_name("Я" * 500))
        assert result.profile.first_name == "Я" * 100

    async def test_a_wrong_pkce_verifier_is_refused(self, service: FakeOAuthService) -> None:
        """Where PKCE is on, the fake checks the verifier as the service does: a code taken
        by someone without ours cannot be exchanged."""
        if not self.provider.pkce:
            pytest.skip("this service does not use PKCE")
        provider = self.make_provider(service)
        request = await provider.begin(REDIRECT_URI)
        callback = await follow_authorize(request)
        stolen = dataclasses.replace(request, code_verifier=secrets.token_urlsafe(48))
        with pytest.raises(ProviderError) as error:
            await provider.finish(stolen, callback, REDIRECT_URI)
        assert error.value.code == "invalid_grant"

    def test_declaration_is_complete(self) -> None:
        provider = self.provider
        assert re.fullmatch(r"[a-z][a-z0-9]+", provider.id)
        assert provider.title and provider.help and provider.fields
        assert len({f.key for f in provider.fields}) == len(provider.fields)
        assert any(f.secret for f in provider.fields)
        assert set(provider.endpoint_keys()) >= {"authorize_url", "token_url", "api_url"}
        assert "http" in provider.help  # a link to the place where the values are issued
