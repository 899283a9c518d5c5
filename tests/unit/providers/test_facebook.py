"""Facebook: Facebook Login and the Graph API, every call signed with appsecret_proof."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from providers.base import ProviderError
from providers.facebook import GRAPH_VERSION, Facebook
from tests.support.fakes.facebook import FakeFacebook
from tests.support.fakes.oauth import FakeOAuthService
from tests.support.provider_contract import REDIRECT_URI, ProviderContract

APP_SECRET = "8f2c1d0e9b7a6f5e4d3c2b1a0f9e8d7c"


class TestFacebook(ProviderContract):
    provider = Facebook
    fake = FakeFacebook
    settings = {"client_id": "1234567890123456", "client_secret": APP_SECRET}
    profile = {
        "id": "10223456789012345",
        "first_name": "Иван",
        "last_name": "Петров",
        "email": "ivan.petrov@example.ru",
        "picture": {
            "data": {
                "height": 50,
                "is_silhouette": False,
                "url": "https://platform-lookaside.fbsbx.com/platform/profilepic/?asid=10223456789012345",
                "width": 50,
            }
        },
        "name": "Иван Петров",
    }
    expected = {
        "external_id": "10223456789012345",
        "login_hint": "ivan.petrov",
        "first_name": "Иван",
        "last_name": "Петров",
        "email": "ivan.petrov@example.ru",
        "email_verified": False,
        "picture_url": "https://platform-lookaside.fbsbx.com/platform/profilepic/?asid=10223456789012345",
        "profile_url": None,
    }
    first_name_key = "first_name"
    id_key = "id"
    authorize_params = {"scope": "email,public_profile"}

    async def access_token(self, service: FakeOAuthService) -> str:
        return (await self.sign_in(service)).tokens.access_token

    async def test_profile_is_signed_and_asks_for_its_fields(self, service: FakeFacebook) -> None:
        token = await self.access_token(service)
        method, path, params = service.requests[-1]
        assert (method, path) == ("GET", f"/{GRAPH_VERSION}/me")
        assert params["fields"] == "id,first_name,last_name,email,picture"
        proof = hmac.new(APP_SECRET.encode(), token.encode(), hashlib.sha256).hexdigest()
        assert params["appsecret_proof"] == proof
        assert "access_token" not in params  # the token travels in the Authorization header

    @pytest.mark.parametrize(
        ("proof", "message"),
        [
            (None, "API calls from the server require an appsecret_proof argument"),
            ("0" * 64, "Invalid appsecret_proof provided in the API argument"),
        ],
    )
    async def test_the_fake_refuses_a_missing_or_wrong_proof(
        self, service: FakeFacebook, proof: str | None, message: str
    ) -> None:
        token = await self.access_token(service)
        params = {"fields": "id"} | ({"appsecret_proof": proof} if proof else {})
        async with httpx.AsyncClient() as client:
            response = await client.get(
                service.url(f"/{GRAPH_VERSION}/me"),
                params=params,
                headers={"Authorization": f"Bearer {token}"},
            )
        assert response.status_code == 400
        error = response.json()["error"]
        assert (error["message"], error["type"], error["code"]) == (
            message,
            "GraphMethodException",
            100,
        )
        assert error["fbtrace_id"]

    async def test_a_wrong_proof_fails_the_sign_in(
        self, service: FakeFacebook, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(Facebook, "appsecret_proof", lambda self, token: "f" * 64)
        with pytest.raises(ProviderError) as error:
            await self.sign_in(service)
        assert error.value.code == "provider_error"
        assert "appsecret_proof" in error.value.detail

    async def test_no_email_permission_still_signs_in(self) -> None:
        service = self.make_fake({k: v for k, v in self.profile.items() if k != "email"})
        try:
            result = await self.sign_in(service)
        finally:
            service.stop()
        assert result.profile.external_id == "10223456789012345"
        assert (result.profile.email, result.profile.email_verified) == (None, False)

    async def test_used_code_is_reported_in_graph_format(self, service: FakeFacebook) -> None:
        provider = self.make_provider(service)
        request = await provider.begin(REDIRECT_URI)
        async with httpx.AsyncClient() as client:
            location = (await client.get(request.url)).headers["location"]
            code = parse_qs(urlsplit(location).query)["code"][0]
            params = {
                "client_id": self.settings["client_id"],
                "client_secret": APP_SECRET,
                "redirect_uri": REDIRECT_URI,
                "code": code,
            }
            url = service.url(f"/{GRAPH_VERSION}/oauth/access_token")
            first, second = (
                await client.get(url, params=params),
                await client.get(url, params=params),
            )
        assert first.status_code == 200 and first.json()["token_type"] == "bearer"
        assert second.status_code == 400
        assert second.json()["error"]["message"] == "This authorization code has been used."
