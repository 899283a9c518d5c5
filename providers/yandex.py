"""Yandex ID: OAuth 2.0 code flow with PKCE, profile from login.yandex.ru/info.

Yandex authenticates the client at the token endpoint with HTTP Basic, and reads the profile
with the ``Authorization: OAuth <token>`` scheme (not ``Bearer``). ``force_confirm=yes``
lets a visitor choose another Yandex account instead of being signed in silently.
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
    TokenSet,
    identifier,
    text,
)

AVATAR_URL = "https://avatars.yandex.net/get-yapic/{avatar_id}/islands-200"


class Yandex(Provider):
    id = "yandex"
    title = N_("Yandex")
    endpoints: ClassVar[Mapping[str, str]] = {
        "authorize_url": "https://oauth.yandex.ru/authorize",
        "token_url": "https://oauth.yandex.ru/token",
        "api_url": "https://login.yandex.ru/info?format=json",
    }
    # No scope parameter: the token then carries the permissions chosen when the
    # application was registered (asking for one it lacks would fail the sign-in).
    scopes = ()
    pkce = True
    token_auth = "client_secret_basic"
    extra_authorize_params: ClassVar[Mapping[str, str]] = {"force_confirm": "yes"}
    fields = CLIENT_CREDENTIALS
    help = N_(
        "1. Open Yandex OAuth at https://oauth.yandex.ru/client/new (sign in with a Yandex "
        "account) and create an application.\n"
        '2. Under "Which platforms" choose "Web services" and paste the redirect URI shown '
        'below into "Redirect URI".\n'
        '3. Under "Data access" add the Yandex ID permissions "Access to username, first '
        'name and surname, gender" (login:info), "Access to email address" (login:email) '
        'and "Access to user avatar" (login:avatar).\n'
        "4. Create the application and copy its ClientID and Client secret here.\n\n"
        "Documentation: https://yandex.ru/dev/id/doc/en/"
    )

    async def fetch_profile(
        self, tokens: TokenSet, request: AuthorizationRequest, callback: Mapping[str, str]
    ) -> dict[str, Any]:
        # Yandex documents its own scheme name, "OAuth", for the token
        return await self.get_json(
            self.endpoint("api_url"), headers={"Authorization": f"OAuth {tokens.access_token}"}
        )

    def map_profile(self, raw: Mapping[str, Any]) -> ExternalProfile:
        login = text(raw.get("login"))
        emails = raw.get("emails")
        first_email = text(emails[0]) if isinstance(emails, list) and emails else ""
        email = text(raw.get("default_email")) or first_email or None
        avatar_id = text(raw.get("default_avatar_id"))
        picture = (
            AVATAR_URL.format(avatar_id=avatar_id)
            if avatar_id and raw.get("is_avatar_empty") is not True
            else None
        )
        return ExternalProfile(
            external_id=identifier(raw.get("id")),
            login_hint=login,
            first_name=text(raw.get("first_name")) or login,
            last_name=text(raw.get("last_name")),
            email=email,
            email_verified=False,  # Yandex ID does not say whether the address is confirmed
            picture_url=picture,
            profile_url=None,
            raw=dict(raw),
        )
