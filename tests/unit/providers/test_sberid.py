"""Sber ID: mutual TLS with the partner's certificate, request ids, the unsigned-for-us ID
token's audience, expiry and nonce, UserInfo's audience, the sign-in confirmation."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from providers.base import ProviderError, ServiceConfig
from providers.sberid import SberID
from tests.support.fakes.oauth import FakeOAuthService
from tests.support.fakes.sberid import FakeSberID, PartnerAuthority
from tests.support.provider_contract import REDIRECT_URI, ProviderContract, follow_authorize
from tests.support.tls import LocalAuthority

HEX32 = re.compile(r"[0-9a-f]{32}")


class TestSberID(ProviderContract):
    provider = SberID
    fake = FakeSberID
    settings = {
        "client_id": "5e7ee80a-6724-4078-8ee4-1dd63a1b2c3d",
        "client_secret": "L4hE5nH3wB5lC6sP0bO7bA6yM5bH5hA3lN3",
    }
    # oauth.sber.ru/ru/prod/sberbankid/v2.1/userinfo for the groups "name" and "email"
    profile = {
        "sub": "74c64d08bdd5e6f2b94770e9fed9342b9054f22bea1571e68448c8cae83e0d80ec206549e11d13fc",
        "family_name": "Петрова",
        "given_name": "Анна",
        "middle_name": "Сергеевна",
        "email": "anna.petrova@example.ru",
        "phone_number": "+7 (916) 1234567",
    }
    expected = {
        "external_id": "74c64d08bdd5e6f2b94770e9fed9342b9054f22bea1571e68448c8cae83e0d80ec2065"
        "49e11d13fc",
        "login_hint": "anna.petrova",
        "first_name": "Анна",
        "last_name": "Петрова",
        "email": "anna.petrova@example.ru",
        "email_verified": False,
        "picture_url": None,
    }
    authorize_params = {"client_type": "PRIVATE"}

    def make_provider(self, service: FakeOAuthService, **settings: str) -> SberID:
        assert isinstance(service, FakeSberID)
        config = ServiceConfig(
            settings={**service.settings(), **self.settings, **settings},
            endpoints=service.endpoints(),
        )
        return SberID(config)

    # -- the sign-in

    async def test_nonce_is_sent_and_checked(self, service: FakeOAuthService) -> None:
        request = await self.make_provider(service).begin(REDIRECT_URI)
        params = {k: v[-1] for k, v in parse_qs(urlsplit(request.url).query).items()}
        assert request.nonce and params["nonce"] == request.nonce
        assert params["scope"].split(" ")[0] == "openid"

    @pytest.mark.parametrize(
        "failure",
        [
            "id_token_wrong_nonce",
            "id_token_wrong_audience",
            "id_token_expired",
            "userinfo_wrong_audience",
            "userinfo_other_subject",
        ],
    )
    async def test_id_token_and_userinfo_must_be_ours(
        self, service: FakeOAuthService, failure: str
    ) -> None:
        assert await self.failure_code(service, failure) == "invalid_response"

    async def test_requests_carry_fresh_request_ids(self, service: FakeOAuthService) -> None:
        assert isinstance(service, FakeSberID)
        await self.sign_in(service)
        seen = {path: headers for path, headers in service.seen_headers}
        token_id = seen[service.token_path]["rquid"]
        userinfo_id = seen[service.profile_path]["x-introspect-rquid"]
        assert HEX32.fullmatch(token_id) and HEX32.fullmatch(userinfo_id)
        assert token_id != userinfo_id

    async def test_sign_in_is_confirmed_to_sber(self, service: FakeOAuthService) -> None:
        assert isinstance(service, FakeSberID)
        result = await self.sign_in(service)
        assert service.completions == [result.tokens.access_token]

    async def test_a_refused_confirmation_does_not_undo_the_sign_in(
        self, service: FakeOAuthService
    ) -> None:
        assert isinstance(service, FakeSberID)
        service.failure = "confirmation_500"
        result = await self.sign_in(service)
        assert result.profile.email == "anna.petrova@example.ru"
        assert service.completions == []

    # -- what the gateway refuses

    async def test_requests_without_request_ids_are_refused(
        self, service: FakeOAuthService
    ) -> None:
        assert isinstance(service, FakeSberID)
        provider = self.make_provider(service)
        request = await provider.begin(REDIRECT_URI)
        callback = await follow_authorize(request)
        token, _ = service.issue_token(scope="openid name")
        async with httpx.AsyncClient(verify=provider.tls()) as client:
            exchange = await client.post(
                service.url(service.token_path),
                data={
                    "grant_type": "authorization_code",
                    "code": callback["code"],
                    "redirect_uri": REDIRECT_URI,
                    "client_id": self.settings["client_id"],
                    "client_secret": self.settings["client_secret"],
                    "code_verifier": request.code_verifier or "",
                },
            )
            userinfo = await client.get(
                service.url(service.profile_path), headers={"Authorization": f"Bearer {token}"}
            )
        assert exchange.status_code == userinfo.status_code == 400
        assert exchange.json()["moreInformation"].startswith("rquid")
        assert userinfo.json()["moreInformation"].startswith("x-introspect-rquid")

    async def test_a_gateway_refusal_names_its_reason_for_the_administrator(
        self, service: FakeOAuthService
    ) -> None:
        provider = self.make_provider(service)
        request = await provider.begin(REDIRECT_URI)
        result = await provider.finish(request, await follow_authorize(request), REDIRECT_URI)
        service.expire(result.tokens.access_token)
        with pytest.raises(ProviderError) as error:
            await provider.fetch_profile(result.tokens, request, {})
        assert error.value.code == "provider_error"
        assert error.value.facts == {
            "error": "Unauthorized",
            "error_description": "Invalid access token",
        }

    async def test_without_the_partner_certificate_nothing_is_exchanged(
        self, service: FakeOAuthService
    ) -> None:
        stranger = PartnerAuthority().partner_pem  # a certificate Sber did not issue
        provider = self.make_provider(service, client_certificate=stranger)
        request = await provider.begin(REDIRECT_URI)
        with pytest.raises(ProviderError) as error:
            await provider.finish(request, await follow_authorize(request), REDIRECT_URI)
        assert error.value.code == "unavailable"

    async def test_an_untrusted_server_is_not_sent_the_code(self, tmp_path: Path) -> None:
        service = self.make_fake()
        try:
            other = LocalAuthority(tmp_path).ca_file.read_text()
            provider = self.make_provider(service, trusted_authority=other)
            request = await provider.begin(REDIRECT_URI)
            callback = await follow_authorize(request)
            seen = len(service.requests)
            with pytest.raises(ProviderError) as error:
                await provider.finish(request, callback, REDIRECT_URI)
            assert error.value.code == "unavailable"
            assert len(service.requests) == seen
        finally:
            service.stop()

    # -- refresh

    async def test_refresh_over_mutual_tls(self, service: FakeOAuthService) -> None:
        assert isinstance(service, FakeSberID)
        _, refresh_token = service.issue_token(scope="openid name offline_access")
        provider = self.make_provider(service)
        tokens = await provider.refresh(refresh_token)
        assert tokens.access_token and tokens.refresh_token not in (None, refresh_token)
        assert service.refreshes == 1
        assert HEX32.fullmatch(service.seen_headers[-1][1]["rquid"])
        with pytest.raises(ProviderError) as error:
            await provider.refresh(refresh_token)
        assert error.value.code == "invalid_grant"

    def test_declares_no_revocation(self) -> None:
        """Sber ID's partner documentation offers no revocation of a grant."""
        assert "revocation_url" not in SberID.endpoints
        assert getattr(SberID, "revokes", False) is False

    # -- settings

    def test_an_unreadable_certificate_is_a_configuration_problem(self) -> None:
        provider = SberID(
            ServiceConfig(settings={**self.settings, "client_certificate": "not a PEM"})
        )
        (problem,) = provider.configuration_problems()
        assert "client certificate" in problem
        assert SberID(ServiceConfig(settings=self.settings)).configuration_problems() == []

    def test_help_states_the_certificate_and_headers(self) -> None:
        for needed in ("certificate", "rquid", "x-introspect-rquid", "https://"):
            assert needed in SberID.help
