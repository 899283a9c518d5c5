"""Bitrix24.Net: the token by GET with the credentials in the query, the REST ``profile``
with ``auth``, the scope by client ID, refresh and ``profile.revoke``."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from providers.base import ProviderError, ServiceConfig
from providers.bitrix24 import Bitrix24Net, network_scopes
from tests.support.fakes.bitrix24 import FakeBitrix24Net
from tests.support.fakes.oauth import FakeOAuthService
from tests.support.provider_contract import REDIRECT_URI, ProviderContract, follow_authorize

SITE_CLIENT_ID = "site.64c8e1f3a2b9d4.71623058"


class TestBitrix24Net(ProviderContract):
    provider = Bitrix24Net
    fake = FakeBitrix24Net
    settings = {
        "client_id": "64c8e1f3a2b9d4.71623058",
        "client_secret": "ZeKyeYIgy2NsHZqsIHY6GfG1VxbtgFDJdRQtNXPsjBWWUQrK",
    }
    # the REST method "profile"'s result, with the fields the original module reads
    profile = {
        "ID": "1284551",
        "LOGIN": "ivan.petrov",
        "NAME": "Иван",
        "LAST_NAME": "Петров",
        "EMAIL": "ivan.petrov@example.ru",
        "PROFILE": "https://www.bitrix24.net/id/1284551/",
    }
    expected = {
        "external_id": "1284551",
        "login_hint": "ivan.petrov",
        "first_name": "Иван",
        "last_name": "Петров",
        "email": "ivan.petrov@example.ru",
        "email_verified": False,
        "picture_url": None,
        "profile_url": "https://www.bitrix24.net/id/1284551/",
    }
    first_name_key = "NAME"
    id_key = "ID"
    authorize_params = {"scope": "auth", "mode": "page"}

    async def test_token_is_asked_with_get_and_the_credentials_in_the_query(
        self, service: FakeOAuthService
    ) -> None:
        await self.sign_in(service)
        method, path, params = next(r for r in service.requests if r[1] == "/oauth/token/")
        assert (method, path) == ("GET", "/oauth/token/")
        assert params["client_id"] == self.settings["client_id"]
        assert params["client_secret"] == self.settings["client_secret"]
        assert (params["grant_type"], params["scope"]) == ("authorization_code", "auth")

    async def test_profile_is_read_with_auth_in_the_body(self, service: FakeOAuthService) -> None:
        token = (await self.sign_in(service)).tokens.access_token
        assert ("POST", "/rest/profile", {"auth": token}) in service.requests
        async with httpx.AsyncClient() as client:
            as_bearer = await client.post(
                service.url("/rest/profile"), headers={"Authorization": f"Bearer {token}"}
            )
        assert as_bearer.status_code == 401
        assert as_bearer.json()["error"] == "invalid_token"

    @pytest.mark.parametrize(
        ("client_id", "scope"),
        [(SITE_CLIENT_ID, "auth,client"), ("b24.5f0e1a.1", "auth,profile"), ("app.1", "auth")],
    )
    def test_scope_follows_the_client_id(self, client_id: str, scope: str) -> None:
        assert ",".join(network_scopes(client_id)) == scope

    async def test_a_site_application_asks_for_client_too(self) -> None:
        service = FakeBitrix24Net(
            client_id=SITE_CLIENT_ID, client_secret="s3cret", profile=self.profile
        ).start()
        try:
            provider = self.make_provider(service, client_id=SITE_CLIENT_ID, client_secret="s3cret")
            request = await provider.begin(REDIRECT_URI)
            assert parse_qs(urlsplit(request.url).query)["scope"] == ["auth,client"]
            result = await provider.finish(request, await follow_authorize(request), REDIRECT_URI)
            refreshed = await provider.refresh(result.tokens.refresh_token or "")
        finally:
            service.stop()
        assert result.tokens.scopes == ("auth", "client")
        assert refreshed.access_token != result.tokens.access_token

    async def test_refresh_rotates_and_spends_the_refresh_token(
        self, service: FakeOAuthService
    ) -> None:
        first = (await self.sign_in(service)).tokens
        provider = self.make_provider(service)
        second = await provider.refresh(first.refresh_token or "")
        assert second.refresh_token not in {None, first.refresh_token}
        assert service.requests[-1][:2] == ("GET", "/oauth/token/")
        with pytest.raises(ProviderError) as error:
            await provider.refresh(first.refresh_token or "")
        assert error.value.code == "invalid_grant"

    async def test_an_expired_token_asks_for_a_refresh(self, service: FakeOAuthService) -> None:
        service.failure = "token_expired"
        with pytest.raises(ProviderError) as error:
            await self.sign_in(service)
        assert error.value.code == "provider_error"
        assert error.value.token_refused is True
        assert "expired_token" in error.value.detail

    def test_unlinking_can_revoke(self) -> None:
        assert Bitrix24Net.revokes

    async def test_revocation_gives_the_grant_up(self, service: FakeOAuthService) -> None:
        tokens = (await self.sign_in(service)).tokens
        provider = self.make_provider(service)
        await provider.revoke(tokens)
        assert service.requests[-1] == (
            "POST",
            "/rest/profile.revoke",
            {"auth": tokens.access_token},
        )
        with pytest.raises(ProviderError) as error:
            await provider.refresh(tokens.refresh_token or "")
        assert error.value.code == "invalid_grant"
        with pytest.raises(ProviderError) as again:  # the token is gone: so is the method
            await provider.revoke(tokens)
        assert again.value.facts.get("error") == "invalid_token"

    def test_login_falls_back_to_the_email(self) -> None:
        mapped = Bitrix24Net(ServiceConfig()).map_profile(
            {"ID": "7", "NAME": "Anna", "EMAIL": "anna@example.org"}
        )
        assert (mapped.login_hint, mapped.profile_url) == ("anna", None)
