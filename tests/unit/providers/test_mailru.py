"""Mail.ru (OAuth Mail): Basic client authentication, PKCE, the token as a query parameter."""

from __future__ import annotations

import httpx
import pytest

from providers.base import ProviderError
from providers.mailru import MailRu
from tests.support.fakes.mailru import FakeMailRu
from tests.support.fakes.oauth import FakeOAuthService
from tests.support.provider_contract import REDIRECT_URI, ProviderContract, follow_authorize


class TestMailRu(ProviderContract):
    provider = MailRu
    fake = FakeMailRu
    settings = {
        "client_id": "6c3d5d1c2b9f4f6e8a7b0c1d2e3f4a5b",
        "client_secret": "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
    }
    # oauth.mail.ru/userinfo as it answers for the "userinfo" scope
    profile = {
        "id": "9183673",
        "gender": "m",
        "name": "Иван Петров",
        "nickname": "Иван Петров",
        "locale": "ru_RU",
        "first_name": "Иван",
        "last_name": "Петров",
        "email": "ivan.petrov@mail.ru",
        "birthday": "14.05.1990",
        "image": "https://filin.mail.ru/pic?d=DGHz5a0Xr2DOHkLXwJ&width=180&height=180",
    }
    expected = {
        "external_id": "9183673",
        "login_hint": "ivan.petrov",
        "first_name": "Иван",
        "last_name": "Петров",
        "email": "ivan.petrov@mail.ru",
        "email_verified": False,
        "picture_url": "https://filin.mail.ru/pic?d=DGHz5a0Xr2DOHkLXwJ&width=180&height=180",
    }
    first_name_key = "first_name"
    id_key = "id"
    authorize_params = {"scope": "userinfo", "code_challenge_method": "S256"}

    async def test_token_travels_as_a_query_parameter(self, service: FakeOAuthService) -> None:
        token = (await self.sign_in(service)).tokens.access_token
        assert ("GET", "/userinfo", {"access_token": token}) in service.requests
        async with httpx.AsyncClient() as client:
            as_bearer = await client.get(
                service.url("/userinfo"), headers={"Authorization": f"Bearer {token}"}
            )
        assert as_bearer.json()["error"] == "invalid_token"

    async def test_client_secret_in_the_form_is_refused(self, service: FakeOAuthService) -> None:
        request = await self.make_provider(service).begin(REDIRECT_URI)
        callback = await follow_authorize(request)
        async with httpx.AsyncClient() as client:
            response = await client.post(
                service.url("/token"),
                data={
                    "grant_type": "authorization_code",
                    "code": callback["code"],
                    "redirect_uri": REDIRECT_URI,
                    "client_id": self.settings["client_id"],
                    "client_secret": self.settings["client_secret"],
                    "code_verifier": request.code_verifier or "",
                },
            )
        assert response.json()["error"] == "invalid_client"

    async def test_revoked_token_at_userinfo_is_a_typed_error(
        self, service: FakeOAuthService
    ) -> None:
        provider = self.make_provider(service)
        request = await provider.begin(REDIRECT_URI)
        callback = await follow_authorize(request)
        tokens = await provider.exchange_code(request, callback, REDIRECT_URI)
        service.tokens.pop(tokens.access_token)  # revoked before the profile is read
        with pytest.raises(ProviderError) as error:
            await provider.fetch_profile(tokens, request, callback)
        assert error.value.code == "provider_error"
        assert "invalid_token" in error.value.detail
