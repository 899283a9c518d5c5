"""My World@Mail.ru: OAuth at connect.mail.ru, the profile through the signed REST method
users.getInfo, refresh."""

from __future__ import annotations

from hashlib import md5

import httpx
import pytest

from providers.base import ProviderError
from providers.mymailru import MyMailRu, signature
from tests.support.fakes.mymailru import FakeMyMailRu
from tests.support.fakes.oauth import FakeOAuthService
from tests.support.provider_contract import REDIRECT_URI, ProviderContract, follow_authorize

SETTINGS = {"app_id": "423004", "secret_key": "3dad9cbf9baaa0360c0f2ba372d25716"}


class TestMyMailRu(ProviderContract):
    provider = MyMailRu
    fake = FakeMyMailRu
    settings = SETTINGS
    # users.getInfo's one user, as the platform describes it
    profile = {
        "uid": "15410773191172635989",
        "first_name": "Иван",
        "last_name": "Петров",
        "nick": "ivan",
        "email": "ivan.petrov@mail.ru",
        "sex": 0,
        "birthday": "14.05.1990",
        "link": "https://my.mail.ru/mail/ivan.petrov/",
        "pic": "https://avt.appsmail.ru/mail/ivan.petrov/_avatar",
        "pic_190": "https://avt.appsmail.ru/mail/ivan.petrov/_avatar190",
    }
    expected = {
        "external_id": "15410773191172635989",
        "login_hint": "ivan.petrov",
        "first_name": "Иван",
        "last_name": "Петров",
        "email": "ivan.petrov@mail.ru",
        "email_verified": False,
        "picture_url": "https://avt.appsmail.ru/mail/ivan.petrov/_avatar190",
        "profile_url": "https://my.mail.ru/mail/ivan.petrov/",
    }
    first_name_key = "first_name"
    id_key = "uid"

    def test_signature_matches_the_documented_scheme(self) -> None:
        # the sorted parameters, then the secret key, through MD5 (none of them is skipped
        # but sig itself)
        params = {"secure": "1", "app_id": "423004", "session_key": "be6ef8", "method": "m"}
        joined = "app_id=423004method=msecure=1session_key=be6ef8" + SETTINGS["secret_key"]
        assert signature(params, SETTINGS["secret_key"]) == md5(joined.encode()).hexdigest()
        assert signature({**params, "sig": "x"}, SETTINGS["secret_key"]) == signature(
            params, SETTINGS["secret_key"]
        )

    async def test_profile_request_is_signed_server_to_server(
        self, service: FakeOAuthService
    ) -> None:
        token = (await self.sign_in(service)).tokens.access_token
        _, path, params = service.requests[-1]
        assert path == "/platform/api"
        assert (params["app_id"], params["method"], params["secure"]) == (
            "423004",
            "users.getInfo",
            "1",
        )
        assert params["session_key"] == token
        assert params["sig"] == signature(params, SETTINGS["secret_key"])

    async def test_a_wrong_sig_is_refused(self, service: FakeOAuthService) -> None:
        token = (await self.sign_in(service)).tokens.access_token
        params = {"app_id": "423004", "method": "users.getInfo", "secure": "1"}
        params["session_key"] = token
        async with httpx.AsyncClient() as client:
            url = service.url("/platform/api")
            bad = await client.get(url, params={**params, "sig": signature(params, "other")})
            good = await client.get(
                url, params={**params, "sig": signature(params, SETTINGS["secret_key"])}
            )
        assert bad.json()["error"]["error_code"] == 104
        assert good.json()[0]["uid"] == "15410773191172635989"

    async def test_token_answer_names_the_user(self, service: FakeOAuthService) -> None:
        result = await self.sign_in(service)
        assert result.tokens.raw["x_mailru_vid"] == "15410773191172635989"

    async def test_an_expired_session_is_a_typed_error(self, service: FakeOAuthService) -> None:
        service.failure = "session_expired"
        with pytest.raises(ProviderError) as error:
            await self.sign_in(service)
        assert error.value.code == "provider_error"
        assert error.value.facts["error"] == "102"

    async def test_refresh_rotates_and_spends_the_refresh_token(
        self, service: FakeOAuthService
    ) -> None:
        first = (await self.sign_in(service)).tokens
        provider = self.make_provider(service)
        second = await provider.refresh(first.refresh_token or "")
        assert second.refresh_token not in {None, first.refresh_token}
        with pytest.raises(ProviderError) as error:
            await provider.refresh(first.refresh_token or "")
        assert error.value.code == "invalid_grant"

    async def test_secret_key_in_a_basic_header_is_refused(self, service: FakeOAuthService) -> None:
        request = await self.make_provider(service).begin(REDIRECT_URI)
        callback = await follow_authorize(request)
        async with httpx.AsyncClient() as client:
            response = await client.post(
                service.url("/oauth/token"),
                data={
                    "grant_type": "authorization_code",
                    "code": callback["code"],
                    "redirect_uri": REDIRECT_URI,
                },
                auth=(SETTINGS["app_id"], SETTINGS["secret_key"]),
            )
        assert response.json()["error"] == "invalid_client"

    def test_unlinking_revokes_nothing(self) -> None:
        """The platform documents no revocation: unlinking only forgets the tokens here."""
        assert MyMailRu.revokes is False
