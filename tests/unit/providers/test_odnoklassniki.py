"""Odnoklassniki: OAuth code flow, profile through the signed REST method users.getCurrentUser."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from providers.base import ProviderError
from providers.odnoklassniki import Odnoklassniki, signature
from tests.support.fakes.oauth import FakeOAuthService
from tests.support.fakes.odnoklassniki import FakeOdnoklassniki
from tests.support.provider_contract import REDIRECT_URI, ProviderContract, follow_authorize

SETTINGS = {
    "app_id": "512000384512",
    "public_key": "CBAJLNABCDEFGABCD",
    "secret_key": "9A1B2C3D4E5F60718293A4B5",
}


class TestOdnoklassniki(ProviderContract):
    provider = Odnoklassniki
    fake = FakeOdnoklassniki
    settings = SETTINGS
    # users.getCurrentUser as OK returns it for the fields we ask for
    profile = {
        "uid": "574380348957",
        "first_name": "Иван",
        "last_name": "Петров",
        "name": "Иван Петров",
        "gender": "male",
        "birthday": "1990-05-14",
        "locale": "ru",
        "email": "ivan.petrov@example.ru",
        "pic_2": "https://i.mycdn.me/i?r=AzEPZsRbOZEKgBhR0XGMT1Rk&fn=pic2",
        "pic190x190": "https://i.mycdn.me/i?r=AzEPZsRbOZEKgBhR0XGMT1Rk&fn=sqr_190",
    }
    expected = {
        "external_id": "574380348957",
        "login_hint": "ivan.petrov",
        "first_name": "Иван",
        "last_name": "Петров",
        "email": "ivan.petrov@example.ru",
        "email_verified": False,
        "picture_url": "https://i.mycdn.me/i?r=AzEPZsRbOZEKgBhR0XGMT1Rk&fn=sqr_190",
        "profile_url": "https://ok.ru/profile/574380348957",
    }
    first_name_key = "first_name"
    id_key = "uid"
    authorize_params = {"scope": "VALUABLE_ACCESS"}

    def make_fake(self, profile: dict[str, Any] | None = None, **kwargs: Any) -> FakeOAuthService:
        return FakeOdnoklassniki(
            client_id=SETTINGS["app_id"],
            client_secret=SETTINGS["secret_key"],
            application_key=SETTINGS["public_key"],
            profile=self.profile if profile is None else profile,
            **kwargs,
        ).start()

    def test_signature_matches_the_documented_example(self) -> None:
        # Worked example of OK's server-side signing scheme (aiookru documentation)
        params = {"application_key": "ABCDEFGHIGKLMNOPK", "format": "json", "method": "events.get"}
        token = "-s-84W-s3egarWUsbkq-IWTucuedzTKT8VUXIA.s4Xx8IW7"
        assert signature(params, token, "ABC123DEF456GHI789JKL123") == (
            "232c8eb921951c4dba9b72606f9ddb4c"
        )
        # access_token and sig never take part in the signature
        with_token = {**params, "access_token": token, "sig": "x"}
        assert signature(with_token, token, "ABC123DEF456GHI789JKL123") == signature(
            params, token, "ABC123DEF456GHI789JKL123"
        )

    async def test_a_wrong_sig_is_refused(self, service: FakeOAuthService) -> None:
        token = (await self.sign_in(service)).tokens.access_token
        params = {
            "application_key": SETTINGS["public_key"],
            "format": "json",
            "method": "users.getCurrentUser",
        }
        good = signature(params, token, SETTINGS["secret_key"])
        bad = signature(params, token, "not-the-secret-key")
        async with httpx.AsyncClient() as client:
            url = service.url(service.profile_path)
            refused = await client.post(url, data={**params, "access_token": token, "sig": bad})
            accepted = await client.post(url, data={**params, "access_token": token, "sig": good})
        assert refused.status_code == 200
        assert refused.json()["error_code"] == 104
        assert accepted.json()["uid"] == "574380348957"

    async def test_a_wrong_application_key_is_refused(self, service: FakeOAuthService) -> None:
        provider = self.make_provider(service, public_key="CBAWRONGKEYABCDEF")
        request = await provider.begin(REDIRECT_URI)
        with pytest.raises(ProviderError) as error:
            await provider.finish(request, await follow_authorize(request), REDIRECT_URI)
        assert error.value.code == "provider_error"
        assert "error_code=101" in error.value.detail

    async def test_no_email_still_signs_in(self) -> None:
        service = self.make_fake(get_email=False)
        try:
            result = await self.sign_in(service)
        finally:
            service.stop()
        assert result.profile.external_id == "574380348957"
        assert result.profile.email is None
        assert result.profile.first_name == "Иван"

    async def test_expired_session_is_reported_as_such(self, service: FakeOAuthService) -> None:
        assert await self.failure_code(service, "session_expired") == "invalid_grant"
