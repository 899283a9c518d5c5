"""VK ID: OAuth 2.1 with mandatory PKCE, the device_id round-trip, {"user": {...}} profiles."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import httpx
import pytest

from providers.base import ProviderError, ServiceConfig, TokenSet
from providers.vkontakte import VKontakte
from tests.support.fakes.oauth import FakeOAuthService
from tests.support.fakes.vkontakte import FakeVKontakte
from tests.support.provider_contract import REDIRECT_URI, ProviderContract, follow_authorize


class TestVKontakte(ProviderContract):
    provider = VKontakte
    fake = FakeVKontakte
    settings = {"client_id": "51234567", "client_secret": "Xk2pQ9rVt7LmN3bZc8Hd"}
    # the "user" object of /oauth2/user_info for the scopes vkid.personal_info and email
    profile = {
        "user_id": "1234567890",
        "first_name": "Иван",
        "last_name": "Петров",
        "avatar": "https://sun9-1.userapi.com/s/v1/ig2/avatar.jpg?size=200x200",
        "email": "ivan.petrov@example.ru",
        "sex": 2,
        "verified": False,
        "birthday": "14.05.1990",
    }
    expected = {
        "external_id": "1234567890",
        "login_hint": "ivan.petrov",
        "first_name": "Иван",
        "last_name": "Петров",
        "email": "ivan.petrov@example.ru",
        "email_verified": False,
        "picture_url": "https://sun9-1.userapi.com/s/v1/ig2/avatar.jpg?size=200x200",
        "profile_url": "https://vk.com/id1234567890",
    }
    first_name_key = "first_name"
    id_key = "user_id"
    authorize_params = {"scope": "vkid.personal_info email", "code_challenge_method": "S256"}

    async def test_wrong_client_secret_is_refused(self, service: FakeOAuthService) -> None:
        """VK ID takes no client secret: the protected key never leaves our server, and the
        code is redeemable only with the PKCE verifier of the request that asked for it."""
        secret = self.settings["client_secret"]
        provider = self.make_provider(service)
        request = await provider.begin(REDIRECT_URI)
        callback = await follow_authorize(request)
        forged = dataclasses.replace(request, code_verifier="x" * 64)
        with pytest.raises(ProviderError) as error:
            await provider.finish(forged, callback, REDIRECT_URI)
        assert error.value.code == "invalid_grant"
        await self.sign_in(service)
        assert all(secret not in str(seen) for seen in service.requests)

    async def test_device_id_must_come_back_with_the_code(self, service: FakeOAuthService) -> None:
        provider = self.make_provider(service)
        request = await provider.begin(REDIRECT_URI)
        callback = await follow_authorize(request)
        assert callback["type"] == "code_v2" and callback["device_id"]
        with pytest.raises(ProviderError) as error:
            await provider.finish(request, {**callback, "device_id": "other"}, REDIRECT_URI)
        assert error.value.code == "invalid_grant"

    async def test_callback_without_device_id_is_refused_before_any_request(
        self, service: FakeOAuthService
    ) -> None:
        provider = self.make_provider(service)
        request = await provider.begin(REDIRECT_URI)
        callback = await follow_authorize(request)
        callback.pop("device_id")
        seen = len(service.requests)
        with pytest.raises(ProviderError) as error:
            await provider.finish(request, callback, REDIRECT_URI)
        assert error.value.code == "malformed_response"
        assert len(service.requests) == seen

    async def test_token_answer_for_another_state_is_refused(
        self, service: FakeOAuthService
    ) -> None:
        assert await self.failure_code(service, "token_wrong_state") == "invalid_response"

    async def test_user_info_is_a_post_with_client_id(self, service: FakeOAuthService) -> None:
        token = (await self.sign_in(service)).tokens.access_token
        assert (
            "POST",
            "/oauth2/user_info",
            {"client_id": self.settings["client_id"], "access_token": token},
        ) in service.requests
        async with httpx.AsyncClient() as client:
            url = service.url("/oauth2/user_info")
            other = await client.post(url, data={"client_id": "1", "access_token": token})
            get = await client.get(url, params={"client_id": "51234567", "access_token": token})
        assert other.json()["error"] == "invalid_client"
        assert get.status_code == 405

    async def test_no_email_still_signs_in(self) -> None:
        without = {k: v for k, v in self.profile.items() if k != "email"}
        service = self.make_fake(without)
        try:
            result = await self.sign_in(service)
        finally:
            service.stop()
        assert result.profile.external_id == "1234567890"
        assert result.profile.email is None


class TestVKontakteRefresh:
    """VK ID refreshes only with the sign-in's device_id, which travels with the refresh
    token we store."""

    settings = TestVKontakte.settings

    @pytest.fixture
    def service(self) -> Iterator[FakeVKontakte]:
        fake = FakeVKontakte(
            client_id=self.settings["client_id"],
            client_secret=self.settings["client_secret"],
            profile=TestVKontakte.profile,
        ).start()
        yield fake
        fake.stop()

    async def signed_in(self, service: FakeVKontakte) -> tuple[VKontakte, TokenSet]:
        provider = VKontakte(ServiceConfig(settings=self.settings, endpoints=service.endpoints()))
        request = await provider.begin(REDIRECT_URI)
        callback = await follow_authorize(request)
        return provider, (await provider.finish(request, callback, REDIRECT_URI)).tokens

    async def test_stored_tokens_refresh_and_work(self, service: FakeVKontakte) -> None:
        provider, tokens = await self.signed_in(service)
        assert tokens.refresh_token
        renewed = await provider.refresh(tokens.refresh_token)
        assert service.refreshes == 1
        assert renewed.access_token != tokens.access_token
        assert service.token_state(renewed.access_token) == "valid"
        again = await provider.refresh(renewed.refresh_token or "")  # the rotated one works
        assert service.token_state(again.access_token) == "valid"
        with pytest.raises(ProviderError) as spent:  # the first one is spent
            await provider.refresh(tokens.refresh_token)
        assert spent.value.code == "invalid_grant"

    async def test_another_device_id_is_refused(self, service: FakeVKontakte) -> None:
        provider, tokens = await self.signed_in(service)
        _device, _, token = (tokens.refresh_token or "").partition(" ")
        with pytest.raises(ProviderError) as error:
            await provider.refresh(f"another-device {token}")
        assert error.value.code == "invalid_grant"
        assert service.refreshes == 0

    async def test_a_refresh_token_stored_without_its_device_id_asks_for_a_new_sign_in(
        self, service: FakeVKontakte
    ) -> None:
        provider, tokens = await self.signed_in(service)
        _device, _, token = (tokens.refresh_token or "").partition(" ")
        with pytest.raises(ProviderError) as error:
            await provider.refresh(token)
        assert error.value.code == "invalid_grant"
        assert service.refresh_attempts == 0  # nothing sent that could not work
