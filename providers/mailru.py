"""Mail.ru accounts through OAuth Mail (oauth.mail.ru): OAuth 2.0 code flow with PKCE.

The client authenticates at the token endpoint with HTTP Basic (the method every OAuth 2.0
server must accept); the profile comes from ``/userinfo`` with the access token as the
``access_token`` query parameter, as OAuth Mail documents it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from providers.base import (
    CLIENT_CREDENTIALS,
    N_,
    AuthorizationRequest,
    ExternalProfile,
    Provider,
    ProviderError,
    TokenSet,
    identifier,
    text,
)


class MailRu(Provider):
    id = "mailru"
    title = N_("Mail.ru")
    endpoints: ClassVar[Mapping[str, str]] = {
        "authorize_url": "https://oauth.mail.ru/login",
        "token_url": "https://oauth.mail.ru/token",
        "api_url": "https://oauth.mail.ru/userinfo",
    }
    scopes = ("userinfo",)
    pkce = True
    token_auth = "client_secret_basic"
    fields = CLIENT_CREDENTIALS
    help = N_(
        "1. Open https://oauth.mail.ru/app/ (sign in with a Mail.ru account) and create an "
        "application.\n"
        "2. Paste the redirect URI shown below into the application's redirect URI field, "
        "exactly as shown.\n"
        '3. Allow the "userinfo" permission (basic information about the user).\n'
        "4. Copy the application's ID (Client ID) and secret (Client secret) here.\n\n"
        "Note: since 1 July 2025 new OAuth Mail applications are accepted only for access "
        "to Mail.ru product APIs, not for sign-in buttons; applications connected earlier "
        'keep working. For a new site use the "VK ID" service instead and turn on sign-in '
        "with Mail in its application settings.\n\n"
        "Documentation: https://id.vk.com/about/business/go/docs/ru/vkid/latest/oauth/"
        "oauth-mail/index"
    )

    async def fetch_profile(
        self, tokens: TokenSet, request: AuthorizationRequest, callback: Mapping[str, str]
    ) -> dict[str, Any]:
        return await self.get_json(
            self.endpoint("api_url"),
            params={"access_token": tokens.access_token},
            error_in_body=userinfo_error,
        )

    def map_profile(self, raw: Mapping[str, Any]) -> ExternalProfile:
        email = text(raw.get("email")) or None
        first, last = text(raw.get("first_name")), text(raw.get("last_name"))
        if not first and not last:
            first, _, last = text(raw.get("name")).partition(" ")
        return ExternalProfile(
            external_id=identifier(raw.get("id")),
            login_hint=(email or "").split("@")[0] or text(raw.get("nickname")),
            first_name=first,
            last_name=last,
            email=email,
            email_verified=False,  # OAuth Mail does not say whether the address is confirmed
            picture_url=text(raw.get("image")) or None,
            profile_url=None,
            raw=dict(raw),
        )


def userinfo_error(body: Mapping[str, Any]) -> ProviderError:
    """OAuth Mail's ``error`` answer from ``/userinfo`` (its message goes to the log only);
    ``invalid_token`` is a refused token, which a refresh may cure."""
    error = text(body.get("error"))
    return ProviderError(
        "provider_error",
        f"userinfo error={error!r} description={text(body.get('error_description'))!r}",
        token_refused=error == "invalid_token",
    )
