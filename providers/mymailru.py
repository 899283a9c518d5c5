"""My World@Mail.ru (Мой Мир): Mail.ru's older sign-in, the original module's "Mail.ru"
flavour beside OAuth Mail (``providers.mailru``).

OAuth 2.0 at connect.mail.ru: the client sends the application ID and its secret key as
``client_id`` and ``client_secret`` in the form; the token answer names the user
(``x_mailru_vid``). The profile comes from the platform's REST API
(``www.appsmail.ru/platform/api``), method ``users.getInfo``, signed the "server-server"
way: ``secure=1`` and ``sig`` = MD5 of the sorted ``key=value`` parameters followed by the
secret key. The method answers a list with one user; errors come as
``{"error": {"error_code", "error_msg"}}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from hashlib import md5
from typing import Any, ClassVar

from providers.base import (
    N_,
    AuthorizationRequest,
    ExternalProfile,
    Provider,
    ProviderError,
    SettingField,
    TokenSet,
    identifier,
    text,
)
from providers.http import http_client

PROFILE_METHOD = "users.getInfo"


def signature(params: Mapping[str, str], secret_key: str) -> str:
    """The platform's "server-server" signature of a request (``secure=1``)."""
    signed = "".join(f"{key}={value}" for key, value in sorted(params.items()) if key != "sig")
    return md5((signed + secret_key).encode()).hexdigest()


def api_error(body: Any) -> ProviderError | None:
    """The platform's ``{"error": {"error_code", "error_msg"}}`` answer as a ProviderError."""
    if not isinstance(body, dict) or "error" not in body:
        return None
    error = body["error"] if isinstance(body["error"], dict) else {}
    return ProviderError(
        "provider_error",
        f"users.getInfo error_code={text(error.get('error_code'))} "
        f"error_msg={text(error.get('error_msg'))!r}",
        error=text(error.get("error_code"))[:200],
        error_description=text(error.get("error_msg"))[:500],
    )


class MyMailRu(Provider):
    id = "mymailru"
    title = N_("My World@Mail.ru")
    endpoints: ClassVar[Mapping[str, str]] = {
        "authorize_url": "https://connect.mail.ru/oauth/authorize",
        "token_url": "https://connect.mail.ru/oauth/token",
        "api_url": "https://www.appsmail.ru/platform/api",
    }
    scopes = ()  # users.getInfo needs no permission beyond the sign-in itself
    token_auth = "client_secret_post"
    client_id_key = "app_id"
    client_secret_key = "secret_key"
    fields = (
        SettingField("app_id", N_("Application ID")),
        SettingField("secret_key", N_("Secret key"), secret=True),
    )
    help = N_(
        "1. Sign in with a Mail.ru account and open your sites on the My World platform at "
        "https://api.mail.ru/sites/my/ (to add one: https://api.mail.ru/sites/my/add).\n"
        "2. Register your site with its name and address, following the page's instructions.\n"
        "3. Where the site's settings ask for a redirect address, paste the redirect URI shown "
        "below, exactly as shown.\n"
        '4. Copy the site\'s ID (the application ID) and its "Secret key" here. The "Private '
        'key" is not needed: the profile is read with server-to-server signatures.\n\n'
        "Note: this is Mail.ru's older sign-in, through the My World platform (connect.mail.ru). "
        "Mail.ru now signs visitors in through OAuth Mail and VK ID: for a new site use the "
        '"VK ID" service, or "Mail.ru" with an OAuth Mail application connected earlier. Use '
        "this one with a site already registered on the My World platform.\n\n"
        "Documentation: https://api.mail.ru/docs/guides/oauth/sites/"
    )

    async def fetch_profile(
        self, tokens: TokenSet, request: AuthorizationRequest, callback: Mapping[str, str]
    ) -> dict[str, Any]:
        params = {
            "app_id": self.client_id,
            "method": PROFILE_METHOD,
            "secure": "1",
            "session_key": tokens.access_token,
        }
        params["sig"] = signature(params, self.client_secret)
        async with http_client() as http:
            response = await http.get(
                self.endpoint("api_url"), params=params, headers={"Accept": "application/json"}
            )
        if response.status_code >= 500:
            response.raise_for_status()
        try:
            body = response.json()
        except ValueError:
            response.raise_for_status()  # an HTTP refusal says more than its page
            raise
        refused = api_error(body)
        if refused is not None:
            raise refused
        response.raise_for_status()
        if not isinstance(body, list) or not body or not isinstance(body[0], dict):
            raise ProviderError("malformed_response", "users.getInfo answered no user")
        return body[0]

    def map_profile(self, raw: Mapping[str, Any]) -> ExternalProfile:
        email = text(raw.get("email")) or None
        return ExternalProfile(
            external_id=identifier(raw.get("uid")),
            login_hint=(email or "").split("@")[0] or text(raw.get("nick")),
            first_name=text(raw.get("first_name")),
            last_name=text(raw.get("last_name")),
            email=email,
            email_verified=False,  # the platform does not say whether the address is confirmed
            picture_url=text(raw.get("pic_190")) or text(raw.get("pic")) or None,
            profile_url=text(raw.get("link")) or None,
            raw=dict(raw),
        )
