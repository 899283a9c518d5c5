"""Box: client credentials in the form, rotating single-use refresh tokens, revocation."""

from __future__ import annotations

import httpx
import pytest

from providers.base import ProviderError, ServiceConfig, TokenSet
from providers.box import Box
from tests.support.fakes.box import FakeBox
from tests.support.fakes.oauth import FakeOAuthService
from tests.support.provider_contract import (
    HTML_NAME,
    REDIRECT_URI,
    ProviderContract,
    follow_authorize,
)


class TestBox(ProviderContract):
    provider = Box
    fake = FakeBox
    settings = {
        "client_id": "ly1nj6n11vionaie65emwzk575hnnmrk",
        "client_secret": "hOzsTeFlT6ko0dme22uGbQal04SBPYc1",
    }
    # GET /2.0/users/me as Box answers it (its standard fields)
    profile = {
        "id": "11446498",
        "type": "user",
        "name": "Иван Петров",
        "login": "ivan.petrov@example.com",
        "created_at": "2012-12-12T10:53:43-08:00",
        "modified_at": "2012-12-12T10:53:43-08:00",
        "language": "ru",
        "timezone": "Europe/Moscow",
        "status": "active",
        "avatar_url": "https://app.box.com/api/avatar/large/181216415",
    }
    expected = {
        "external_id": "11446498",
        "login_hint": "ivan.petrov@example.com",
        "first_name": "Иван",
        "last_name": "Петров",
        "email": "ivan.petrov@example.com",
        "email_verified": False,
        "picture_url": "https://app.box.com/api/avatar/large/181216415",
        "profile_url": None,
    }
    first_name_key = "name"
    id_key = "id"

    async def test_html_in_a_profile_is_kept_as_text(self) -> None:
        # Box has one "name"; its first word is the first name, the rest the last name.
        service = self.make_fake({**self.profile, "name": f"Ivan {HTML_NAME}"})
        try:
            result = await self.sign_in(service)
        finally:
            service.stop()
        assert (result.profile.first_name, result.profile.last_name) == ("Ivan", HTML_NAME)

    async def test_redirect_uri_must_be_the_authorize_one(self, service: FakeOAuthService) -> None:
        """Box's token endpoint takes no redirect_uri: the code alone (single use, bound to
        the client) is exchanged, whatever redirect URI accompanies it."""
        provider = self.make_provider(service)
        request = await provider.begin(REDIRECT_URI)
        callback = await follow_authorize(request)
        result = await provider.finish(request, callback, REDIRECT_URI + "?other")
        assert result.profile.external_id == "11446498"
        with pytest.raises(ProviderError) as error:  # and it stays single use
            await provider.finish(request, callback, REDIRECT_URI)
        assert error.value.code == "invalid_grant"

    async def test_client_secret_in_a_basic_header_is_refused(
        self, service: FakeOAuthService
    ) -> None:
        request = await self.make_provider(service).begin(REDIRECT_URI)
        callback = await follow_authorize(request)
        async with httpx.AsyncClient() as client:
            response = await client.post(
                service.url("/oauth2/token"),
                data={"grant_type": "authorization_code", "code": callback["code"]},
                auth=(self.settings["client_id"], self.settings["client_secret"]),
            )
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_client"

    async def test_refresh_rotates_and_spends_the_refresh_token(
        self, service: FakeOAuthService
    ) -> None:
        first = (await self.sign_in(service)).tokens
        provider = self.make_provider(service)
        assert first.refresh_token
        second = await provider.refresh(first.refresh_token)
        assert second.access_token != first.access_token
        assert second.refresh_token and second.refresh_token != first.refresh_token
        with pytest.raises(ProviderError) as error:
            await provider.refresh(first.refresh_token)
        assert error.value.code == "invalid_grant"
        third = await provider.refresh(second.refresh_token)
        assert third.access_token not in {first.access_token, second.access_token}

    async def test_api_wants_the_bearer_token_in_the_header(
        self, service: FakeOAuthService
    ) -> None:
        token = (await self.sign_in(service)).tokens.access_token
        async with httpx.AsyncClient() as client:
            as_query = await client.get(
                service.url("/2.0/users/me"), params={"access_token": token}
            )
        assert as_query.status_code == 401
        assert 'error="invalid_token"' in as_query.headers["www-authenticate"]

    def test_unlinking_can_revoke(self) -> None:
        assert Box.revokes

    async def test_revocation_ends_the_whole_grant(self, service: FakeOAuthService) -> None:
        tokens = (await self.sign_in(service)).tokens
        provider = self.make_provider(service)
        await provider.revoke(tokens)
        revoked = [(path, form.get("token")) for _, path, form in service.requests]
        assert revoked[-1] == ("/oauth2/revoke", tokens.refresh_token)
        with pytest.raises(ProviderError) as error:
            await provider.refresh(tokens.refresh_token or "")
        assert error.value.code == "invalid_grant"
        async with httpx.AsyncClient() as client:
            profile = await client.get(
                service.url("/2.0/users/me"),
                headers={"Authorization": f"Bearer {tokens.access_token}"},
            )
        assert profile.status_code == 401

    async def test_revocation_with_the_wrong_secret_fails(self, service: FakeOAuthService) -> None:
        tokens = (await self.sign_in(service)).tokens
        with pytest.raises(ProviderError) as error:
            await self.make_provider(service, client_secret="wrong").revoke(tokens)
        assert error.value.code == "provider_error"
        assert error.value.facts.get("error") == "invalid_client"
        still = await self.make_provider(service).refresh(tokens.refresh_token or "")
        assert still.access_token  # nothing was revoked

    async def test_revoking_an_access_token_alone_ends_its_grant(
        self, service: FakeOAuthService
    ) -> None:
        tokens = (await self.sign_in(service)).tokens
        provider = self.make_provider(service)
        await provider.revoke(TokenSet(access_token=tokens.access_token))
        with pytest.raises(ProviderError):
            await provider.refresh(tokens.refresh_token or "")

    def test_name_without_a_space_is_the_first_name(self) -> None:
        mapped = Box(ServiceConfig()).map_profile({"id": "7", "name": "Cher", "login": ""})
        assert (mapped.first_name, mapped.last_name, mapped.email) == ("Cher", "", None)
