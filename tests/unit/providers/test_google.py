"""Google: OpenID Connect with Google's issuer spellings and account chooser."""

from __future__ import annotations

from providers.google import Google
from tests.support.fakes.openid import FakeOpenIDProvider
from tests.support.provider_contract import ProviderContract


class FakeGoogle(FakeOpenIDProvider):
    """Google authenticates clients with client_secret_post and signs ``iss`` without
    the scheme in some ID tokens."""

    client_auth = "client_secret_post"

    def id_token_claims(self, grant):  # type: ignore[no-untyped-def]
        claims = super().id_token_claims(grant)
        claims["iss"] = self.issuer.removeprefix("http://")
        return claims

    def endpoints(self) -> dict[str, str]:
        return {
            "issuer": self.issuer,
            **super(FakeOpenIDProvider, self).endpoints(),
            "api_url": self.url(self.profile_path),
        }


class TestGoogle(ProviderContract):
    provider = Google
    fake = FakeGoogle
    settings = {"client_id": "123.apps.googleusercontent.com", "client_secret": "GOCSPX-x"}
    profile = {
        "sub": "110169484474386276334",
        "given_name": "Иван",
        "family_name": "Петров",
        "name": "Иван Петров",
        "email": "ivan.petrov@gmail.com",
        "email_verified": True,
        "picture": "https://lh3.googleusercontent.com/a/photo",
    }
    expected = {
        "external_id": "110169484474386276334",
        "login_hint": "ivan.petrov",
        "first_name": "Иван",
        "last_name": "Петров",
        "email": "ivan.petrov@gmail.com",
        "email_verified": True,
    }
    authorize_params = {"prompt": "select_account", "scope": "openid email profile"}
