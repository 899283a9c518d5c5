"""Personal Microsoft accounts: the identity platform's ``consumers`` tenant, always."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from providers.base import ProviderError, ServiceConfig
from providers.microsoft import Microsoft
from providers.office365 import CONSUMERS_TENANT_ID
from tests.support.fakes.microsoft import FakeMicrosoftAccount
from tests.support.provider_contract import REDIRECT_URI, ProviderContract, follow_authorize

CONTOSO = "7d3c5a1e-2b4f-4c6d-8e9f-0a1b2c3d4e5f"
OID = "00000000-0000-0000-48d3-1887f9b8a0c0"


class TestMicrosoft(ProviderContract):
    provider = Microsoft
    fake = FakeMicrosoftAccount
    settings = {
        "client_id": "0f5c2a8e-3b1d-4e7a-9c6f-2d8b4a1e7c30",
        "client_secret": "Zy48Q~bH2kT9vL3mR7wX1zN5pQ8sD2fG6jA9cE4",
    }
    # the claims of a personal account's ID token (profile, email scopes)
    profile = {
        "sub": "AAAAAAAAAAAAAAAAAAAAAGpxS0dQ1Lq3v_2y3Jk8aBc",
        "oid": OID,
        "tid": CONSUMERS_TENANT_ID,
        "name": "Иван Петров",
        "given_name": "Иван",
        "family_name": "Петров",
        "preferred_username": "ivan.petrov@outlook.com",
        "email": "ivan.petrov@outlook.com",
    }
    expected = {
        "external_id": f"{CONSUMERS_TENANT_ID}:{OID}",
        "login_hint": "ivan.petrov",
        "first_name": "Иван",
        "last_name": "Петров",
        "email": "ivan.petrov@outlook.com",
        "email_verified": False,
    }
    authorize_params = {
        "prompt": "select_account",
        "scope": "openid email profile offline_access User.Read",
    }
    id_key = "oid"

    def expected_id(self, value: str) -> str:
        return f"{CONSUMERS_TENANT_ID}:{value}"

    def test_the_tenant_is_not_a_setting(self) -> None:
        assert [f.key for f in Microsoft.fields] == ["client_id", "client_secret"]
        provider = Microsoft(ServiceConfig(settings={**self.settings, "tenant": CONTOSO}))
        assert provider.tenant == "consumers"
        assert provider.configuration_problems() == []

    async def test_default_endpoints_are_the_consumers_ones(self) -> None:
        provider = Microsoft(ServiceConfig(settings=self.settings))
        url = urlsplit((await provider.begin(REDIRECT_URI)).url)
        assert (url.netloc, url.path) == (
            "login.microsoftonline.com",
            "/consumers/oauth2/v2.0/authorize",
        )
        assert await provider.token_url() == (
            "https://login.microsoftonline.com/consumers/oauth2/v2.0/token"
        )
        assert provider.issuer == "https://login.microsoftonline.com/consumers/v2.0"

    async def test_the_consumers_discovery_names_the_personal_tenant(
        self, service: FakeMicrosoftAccount
    ) -> None:
        document = await self.make_provider(service).metadata()  # type: ignore[attr-defined]
        assert document["issuer"] == service.url(f"/{CONSUMERS_TENANT_ID}/v2.0")
        assert ("GET", "/consumers/v2.0/.well-known/openid-configuration", {}) in service.requests

    async def test_a_work_or_school_account_is_refused(self) -> None:
        with pytest.raises(ProviderError) as error:
            await self.sign_in_with({**self.profile, "tid": CONTOSO})
        assert error.value.code == "invalid_response"

    async def test_tid_is_checked_even_when_the_issuer_would_pass(
        self, service: FakeMicrosoftAccount
    ) -> None:
        service.user_profile = {**self.profile, "tid": CONTOSO}
        service.extra_claims = {"iss": service.url(f"/{CONSUMERS_TENANT_ID}/v2.0")}
        with pytest.raises(ProviderError) as error:
            await self.sign_in(service)
        assert error.value.code == "invalid_response"
        assert CONTOSO in error.value.detail

    async def test_an_id_token_naming_another_issuer_is_refused(
        self, service: FakeMicrosoftAccount
    ) -> None:
        service.extra_claims = {"iss": service.url(f"/{CONTOSO}/v2.0")}
        with pytest.raises(ProviderError) as error:
            await self.sign_in(service)
        assert error.value.code == "invalid_response"

    async def test_graph_ids_of_personal_accounts_are_not_the_oid(
        self, service: FakeMicrosoftAccount
    ) -> None:
        result = await self.sign_in(service)
        assert result.profile.raw["graph"]["id"] == "48d31887f9b8a0c0"
        assert result.profile.external_id == f"{CONSUMERS_TENANT_ID}:{OID}"

    async def test_graph_refusing_the_token_is_a_typed_error(
        self, service: FakeMicrosoftAccount
    ) -> None:
        provider = self.make_provider(service)
        request = await provider.begin(REDIRECT_URI)
        callback = await follow_authorize(request)
        tokens = await provider.exchange_code(request, callback, REDIRECT_URI)
        service.tokens.pop(tokens.access_token)  # revoked before Graph is asked
        with pytest.raises(ProviderError) as error:
            await provider.fetch_profile(tokens, request, callback)
        assert error.value.code == "provider_error"
        assert "401" in error.value.detail

    async def test_refresh_gives_tokens_graph_accepts(self, service: FakeMicrosoftAccount) -> None:
        provider = self.make_provider(service)
        first = (await self.sign_in(service)).tokens
        assert first.refresh_token
        renewed = await provider.refresh(first.refresh_token)
        assert renewed.access_token != first.access_token
        assert service.token_state(renewed.access_token) == "valid"
        assert ("POST", "/consumers/oauth2/v2.0/token") in [
            (method, path)
            for method, path, form in service.requests
            if form.get("grant_type") == "refresh_token"
        ]
        with pytest.raises(ProviderError) as error:  # the fake's refresh tokens are single use
            await provider.refresh(first.refresh_token)
        assert error.value.code == "invalid_grant"
