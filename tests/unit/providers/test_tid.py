"""T-ID: Basic client authentication, UserInfo as a POST with the client's credentials,
refresh, and revocation at /auth/revoke."""

from __future__ import annotations

import httpx
import pytest

from providers.base import ProviderError, ServiceConfig, TokenSet
from providers.tid import TID
from tests.support.fakes.oauth import FakeOAuthService
from tests.support.fakes.tid import FakeTID
from tests.support.provider_contract import REDIRECT_URI, ProviderContract, follow_authorize


class TestTID(ProviderContract):
    provider = TID
    fake = FakeTID
    settings = {"client_id": "tid_partner", "client_secret": "FTarqNKxFgTZIHKKdT17F8TAOoP5wM"}
    # id.tbank.ru/userinfo/userinfo for the scopes profile, phone and email
    profile = {
        "sub": "88500a54-8dc4-4354-e053-6c7ed90a2b24",
        "name": "Ломоносов Михаил",
        "family_name": "Ломоносов",
        "given_name": "Михаил",
        "middle_name": "Васильевич",
        "gender": "male",
        "birthdate": "1990-11-19",
        "phone_number": "+79991112233",
        "email": "lomonosov@example.ru",
    }
    expected = {
        "external_id": "88500a54-8dc4-4354-e053-6c7ed90a2b24",
        "login_hint": "lomonosov",
        "first_name": "Михаил",
        "last_name": "Ломоносов",
        "email": "lomonosov@example.ru",
        "email_verified": False,
        "picture_url": None,
    }

    async def test_callback_with_session_state_signs_in(self, service: FakeOAuthService) -> None:
        provider = self.make_provider(service)
        request = await provider.begin(REDIRECT_URI)
        callback = await follow_authorize(request)
        assert callback["session_state"]
        result = await provider.finish(request, callback, REDIRECT_URI)
        assert result.profile.external_id == self.profile["sub"]

    async def test_no_scope_is_asked_for(self, service: FakeOAuthService) -> None:
        request = await self.make_provider(service).begin(REDIRECT_URI)
        assert "scope=" not in request.url

    async def test_userinfo_wants_a_post_with_the_client_credentials(
        self, service: FakeOAuthService
    ) -> None:
        token = (await self.sign_in(service)).tokens.access_token
        assert ("POST", "/userinfo/userinfo", self.settings) in service.requests
        bearer = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient() as client:
            as_get = await client.get(service.url("/userinfo/userinfo"), headers=bearer)
            without_secret = await client.post(
                service.url("/userinfo/userinfo"),
                headers=bearer,
                data={"client_id": self.settings["client_id"]},
            )
        assert as_get.status_code == 405
        assert without_secret.json()["error"] == "invalid_client"

    async def test_client_secret_in_the_token_form_is_refused(
        self, service: FakeOAuthService
    ) -> None:
        request = await self.make_provider(service).begin(REDIRECT_URI)
        callback = await follow_authorize(request)
        async with httpx.AsyncClient() as client:
            response = await client.post(
                service.url("/auth/token"),
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

    async def test_refresh_rotates_the_refresh_token(self, service: FakeOAuthService) -> None:
        _, refresh_token = service.issue_token(scope="profile")
        provider = self.make_provider(service)
        tokens = await provider.refresh(refresh_token)
        assert tokens.refresh_token not in (None, refresh_token)
        with pytest.raises(ProviderError) as error:
            await provider.refresh(refresh_token)
        assert error.value.code == "invalid_grant"

    async def test_unlinking_revokes_the_grant(self, service: FakeOAuthService) -> None:
        assert isinstance(service, FakeTID)
        assert TID.revokes
        result = await self.sign_in(service)
        provider = self.make_provider(service)
        await provider.revoke(result.tokens)
        assert service.revoked == [(result.tokens.refresh_token, "refresh_token")]
        with pytest.raises(ProviderError) as error:  # the access token went with the grant
            await provider.fetch_profile(result.tokens, await provider.begin(REDIRECT_URI), {})
        assert error.value.code == "provider_error"
        with pytest.raises(ProviderError) as error:
            await provider.refresh(result.tokens.refresh_token or "")
        assert error.value.code == "invalid_grant"

    async def test_revocation_with_a_wrong_secret_fails_visibly(
        self, service: FakeOAuthService
    ) -> None:
        assert isinstance(service, FakeTID)
        access_token, refresh_token = service.issue_token()
        provider = self.make_provider(service, client_secret="wrong")
        with pytest.raises(ProviderError) as error:
            await provider.revoke(TokenSet(access_token=access_token, refresh_token=refresh_token))
        assert error.value.code == "provider_error"
        assert service.token_state(access_token) == "valid"

    def test_name_alone_is_family_name_first(self) -> None:
        profile = TID(ServiceConfig()).map_profile({"sub": "42", "name": "Ломоносов Михаил"})
        assert (profile.first_name, profile.last_name) == ("Михаил", "Ломоносов")
        assert profile.email is None and profile.login_hint == ""
