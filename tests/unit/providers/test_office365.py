"""Microsoft 365: the identity platform v2.0 per tenant, users known by tid + oid."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from providers.base import ProviderError, ServiceConfig
from providers.office365 import CONSUMERS_TENANT_ID, Office365
from tests.support.fakes.oauth import FakeOAuthService
from tests.support.fakes.office365 import FakeMicrosoft
from tests.support.provider_contract import REDIRECT_URI, ProviderContract, follow_authorize

CONTOSO = "7d3c5a1e-2b4f-4c6d-8e9f-0a1b2c3d4e5f"
FABRIKAM = "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9"


class TestOffice365(ProviderContract):
    provider = Office365
    fake = FakeMicrosoft
    settings = {
        "client_id": "6731de76-14a6-49ae-97bc-6eba6914391e",
        "client_secret": "Qx58Q~gJ0bT3vK9mR2wY7zL4nP1sD6fH8jA5cE0",
    }
    profile = {
        "sub": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
        "oid": "00aa11bb-22cc-33dd-44ee-55ff66aa77bb",
        "tid": CONTOSO,
        "name": "Иван Петров",
        "given_name": "Иван",
        "family_name": "Петров",
        "preferred_username": "ivan.petrov@contoso.onmicrosoft.com",
        "email": "ivan.petrov@contoso.com",
    }
    expected = {
        "external_id": f"{CONTOSO}:00aa11bb-22cc-33dd-44ee-55ff66aa77bb",
        "login_hint": "ivan.petrov",
        "first_name": "Иван",
        "last_name": "Петров",
        "email": "ivan.petrov@contoso.com",
        "email_verified": False,
    }
    authorize_params = {
        "prompt": "select_account",
        "scope": "openid email profile offline_access User.Read",
    }
    id_key = "oid"

    def expected_id(self, value: str) -> str:
        return f"{CONTOSO}:{value}"  # tid and oid, both as Microsoft sends them

    async def sign_in_as(self, profile: dict[str, str], **settings: str) -> Office365:
        service = self.make_fake(profile)
        try:
            provider = self.make_provider(service, **settings)
            request = await provider.begin(REDIRECT_URI)
            callback = await follow_authorize(request)
            self.result = await provider.finish(request, callback, REDIRECT_URI)
        finally:
            service.stop()
        assert isinstance(provider, Office365)
        return provider

    # -- tenants

    async def test_a_token_from_another_tenant_is_refused(self) -> None:
        with pytest.raises(ProviderError) as error:
            await self.sign_in_as({**self.profile, "tid": FABRIKAM}, tenant=CONTOSO)
        assert error.value.code == "invalid_response"

    async def test_tid_is_checked_even_when_the_issuer_would_pass(
        self, service: FakeOAuthService
    ) -> None:
        # A literal multi-tenant issuer override: the issuer check alone would accept FABRIKAM.
        service.user_profile = {**self.profile, "tid": FABRIKAM}
        config = ServiceConfig(
            settings={**self.settings, "tenant": CONTOSO},
            endpoints={**service.endpoints(), "issuer": service.url("/common/v2.0")},
        )
        provider = Office365(config)
        request = await provider.begin(REDIRECT_URI)
        callback = await follow_authorize(request)
        with pytest.raises(ProviderError) as error:
            await provider.finish(request, callback, REDIRECT_URI)
        assert error.value.code == "invalid_response"
        assert FABRIKAM in error.value.detail

    async def test_the_configured_tenant_signs_in(self) -> None:
        await self.sign_in_as(self.profile, tenant=CONTOSO.upper())
        assert self.result.profile.external_id.startswith(CONTOSO + ":")

    @pytest.mark.parametrize(
        ("tenant", "tid"),
        [("consumers", CONTOSO), ("organizations", CONSUMERS_TENANT_ID)],
    )
    async def test_kind_of_tenant_is_enforced(self, tenant: str, tid: str) -> None:
        with pytest.raises(ProviderError) as error:
            await self.sign_in_as({**self.profile, "tid": tid}, tenant=tenant)
        assert error.value.code == "invalid_response"

    async def test_personal_accounts_sign_in_with_consumers(self) -> None:
        await self.sign_in_as({**self.profile, "tid": CONSUMERS_TENANT_ID}, tenant="consumers")
        assert self.result.profile.external_id.startswith(CONSUMERS_TENANT_ID)

    async def test_same_email_in_two_tenants_is_two_users(self) -> None:
        await self.sign_in_as(self.profile)
        first = self.result.profile
        await self.sign_in_as(
            {**self.profile, "tid": FABRIKAM, "oid": "99aa11bb-22cc-33dd-44ee-55ff66aa77bb"}
        )
        second = self.result.profile
        assert first.email == second.email == "ivan.petrov@contoso.com"
        assert first.external_id != second.external_id

    @pytest.mark.parametrize(
        "tenant", ["../common", "contoso com", "https://evil.example", "{tenantid}", "a/b", "x"]
    )
    async def test_a_garbage_tenant_is_a_configuration_error(self, tenant: str) -> None:
        provider = Office365(ServiceConfig(settings={**self.settings, "tenant": tenant}))
        with pytest.raises(ProviderError) as error:
            await provider.begin(REDIRECT_URI)
        assert error.value.code == "misconfigured"

    @pytest.mark.parametrize(
        ("tenant", "host_path"),
        [
            ("", "/common/oauth2/v2.0/authorize"),
            ("Contoso.onmicrosoft.com", "/contoso.onmicrosoft.com/oauth2/v2.0/authorize"),
            (CONTOSO, f"/{CONTOSO}/oauth2/v2.0/authorize"),
        ],
    )
    async def test_default_endpoints_follow_the_tenant(self, tenant: str, host_path: str) -> None:
        provider = Office365(ServiceConfig(settings={**self.settings, "tenant": tenant}))
        url = urlsplit((await provider.begin(REDIRECT_URI)).url)
        assert (url.scheme, url.netloc, url.path) == (
            "https",
            "login.microsoftonline.com",
            host_path,
        )
        assert parse_qs(url.query)["prompt"] == ["select_account"]
        assert (
            await provider.token_url()
            == "https://login.microsoftonline.com" + host_path.replace("authorize", "token")
        )

    # -- the profile

    async def test_an_overridden_issuer_alone_does_not_call_graph(
        self, service: FakeMicrosoft
    ) -> None:
        config = ServiceConfig(
            settings=self.settings, endpoints={"issuer": service.endpoints()["issuer"]}
        )
        provider = Office365(config)
        request = await provider.begin(REDIRECT_URI)
        result = await provider.finish(request, await follow_authorize(request), REDIRECT_URI)
        assert result.profile.first_name == "Иван"
        paths = [path for _, path, _ in service.requests]
        assert "/v1.0/me" not in paths
        assert "/common/oauth2/v2.0/token" in paths

    async def test_graph_about_another_user_is_refused(self, service: FakeMicrosoft) -> None:
        original = service.profile
        service.profile = lambda profile, grant: {  # type: ignore[method-assign]
            **original(profile, grant),
            "id": "ffffffff-0000-0000-0000-000000000000",
        }
        with pytest.raises(ProviderError) as error:
            await self.sign_in(service)
        assert error.value.code == "invalid_response"

    @pytest.mark.parametrize(
        ("claims", "email"),
        [
            ({"email": None, "preferred_username": "ivan@contoso.com"}, "ivan@contoso.com"),
            ({"email": None, "preferred_username": "+79001234567"}, None),
            ({"email": "not an e-mail", "preferred_username": "ivan"}, None),
        ],
    )
    async def test_email_only_when_it_looks_like_one(
        self, claims: dict[str, str | None], email: str | None
    ) -> None:
        await self.sign_in_as({**self.profile, **claims})  # type: ignore[dict-item]
        assert (self.result.profile.email, self.result.profile.email_verified) == (email, False)

    @pytest.mark.parametrize(
        "failure",
        [
            "id_token_bad_signature",
            "id_token_wrong_audience",
            "id_token_wrong_nonce",
            "id_token_expired",
        ],
    )
    async def test_untrustworthy_id_token_is_refused(
        self, service: FakeOAuthService, failure: str
    ) -> None:
        service.failure = failure
        with pytest.raises(ProviderError) as error:
            await self.sign_in(service)
        assert error.value.code == "invalid_response"
