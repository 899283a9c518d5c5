"""Any OpenID Connect provider, against a fake issuer with discovery and signed ID tokens."""

from __future__ import annotations

import pytest

from providers.base import ProviderError
from providers.oidc import OpenIDConnect
from tests.unit.providers.contract import ProviderContract
from tests.unit.providers.fakes.oauth import FakeOAuthService
from tests.unit.providers.fakes.openid import FakeOpenIDProvider


class TestOpenIDConnect(ProviderContract):
    provider = OpenIDConnect
    fake = FakeOpenIDProvider
    settings = {"client_id": "our-client", "client_secret": "our-secret"}
    profile = {
        "sub": "248289761001",
        "preferred_username": "jdoe",
        "given_name": "Jane",
        "family_name": "Doe",
        "email": "jane@example.org",
        "email_verified": True,
        "picture": "https://idp.example.org/jane.png",
    }
    expected = {
        "external_id": "248289761001",
        "login_hint": "jdoe",
        "first_name": "Jane",
        "last_name": "Doe",
        "email": "jane@example.org",
        "email_verified": True,
        "picture_url": "https://idp.example.org/jane.png",
    }

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

    async def test_unverified_email_is_reported_as_such(self) -> None:
        service = self.make_fake({**self.profile, "email_verified": False})
        try:
            result = await self.sign_in(service)
        finally:
            service.stop()
        assert result.profile.email == "jane@example.org"
        assert result.profile.email_verified is False
