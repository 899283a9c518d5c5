"""Dropbox accounts, through the Dropbox API's OAuth 2 code flow.

The client authenticates at the token endpoint with HTTP Basic (Dropbox takes the app key
and secret that way or in the form); PKCE (S256) is sent. ``token_access_type=offline``
asks for a refresh token, which Dropbox does not rotate: its access tokens live four
hours. Only ``account_info.read`` is asked for, a scope every Dropbox app has.

Dropbox's API is RPC over POST: ``users/get_current_account`` takes no argument, sent as
the JSON ``null``, and answers errors as ``{"error_summary": …, "error": {".tag": …}}``.
Unlinking calls ``auth/token/revoke`` with the (live) access token, which disables the
refresh token behind it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import httpx

from providers.base import (
    N_,
    AuthorizationRequest,
    ExternalProfile,
    Provider,
    ProviderError,
    SettingField,
    TokenSet,
    identifier,
    json_object,
    provider_errors,
    text,
)
from providers.http import http_client
from providers.live_token import live_access_token


class Dropbox(Provider):
    id = "dropbox"
    title = N_("Dropbox")
    endpoints: ClassVar[Mapping[str, str]] = {
        "authorize_url": "https://www.dropbox.com/oauth2/authorize",
        "token_url": "https://api.dropboxapi.com/oauth2/token",
        "api_url": "https://api.dropboxapi.com/2/users/get_current_account",
        "revocation_url": "https://api.dropboxapi.com/2/auth/token/revoke",
    }
    scopes = ("account_info.read",)
    pkce = True
    token_auth = "client_secret_basic"
    extra_authorize_params: ClassVar[Mapping[str, str]] = {"token_access_type": "offline"}
    fields = (
        SettingField("client_id", N_("App key")),
        SettingField("client_secret", N_("App secret"), secret=True),
    )
    help = N_(
        "1. Open the Dropbox App Console (https://www.dropbox.com/developers/apps) and click "
        '"Create app": choose "Scoped access" and either access type (sign-in reads no '
        "files), and name the app.\n"
        '2. On the "Settings" tab, under "OAuth 2" → "Redirect URIs", paste the redirect URI '
        'shown below and click "Add".\n'
        '3. On the "Permissions" tab leave "account_info.read" checked (it is all the sign-in '
        "asks for).\n"
        '4. Copy the "App key" and "App secret" from the "Settings" tab here.\n'
        '5. A new app has "Development" status, which admits a limited number of users: '
        'apply for production on the "Settings" tab before offering the sign-in to '
        "everyone.\n\n"
        "The e-mail address is treated as verified only when Dropbox says it is.\n\n"
        "Documentation: https://developers.dropbox.com/oauth-guide"
    )

    async def fetch_profile(
        self, tokens: TokenSet, request: AuthorizationRequest, callback: Mapping[str, str]
    ) -> dict[str, Any]:
        response = await self.call(self.endpoint("api_url"), tokens.access_token)
        body = json_object(response)
        if response.status_code != 200:
            raise api_error(response, body, "profile")
        return body

    async def call(self, url: str, access_token: str) -> httpx.Response:
        """POST to an RPC endpoint that takes no argument (the JSON ``null``)."""
        async with http_client() as http:
            return await http.post(
                url,
                content=b"null",
                headers={
                    "Authorization": f"Bearer {access_token}",
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                },
            )

    def map_profile(self, raw: Mapping[str, Any]) -> ExternalProfile:
        name = raw.get("name")
        names: Mapping[str, Any] = name if isinstance(name, dict) else {}
        first, last = text(names.get("given_name")), text(names.get("surname"))
        if not first and not last:
            first, _, last = text(names.get("display_name")).partition(" ")
        email = text(raw.get("email")) or None
        return ExternalProfile(
            external_id=identifier(raw.get("account_id")),
            login_hint=(email or "").split("@")[0],
            first_name=first.strip(),
            last_name=last.strip(),
            email=email,
            email_verified=raw.get("email_verified") is True,
            picture_url=text(raw.get("profile_photo_url")) or None,
            profile_url=None,  # Dropbox has no public profile page
            raw=dict(raw),
        )

    async def revoke(self, tokens: TokenSet) -> None:
        """Dropbox's ``auth/token/revoke``: the bearer token itself is what is revoked."""
        access_token = await live_access_token(self, tokens)
        with provider_errors("revoke"):
            response = await self.call(self.endpoint("revocation_url"), access_token)
            if response.status_code == 200:
                return
            raise api_error(response, json_object(response), "revoke")


def api_error(response: httpx.Response, body: Mapping[str, Any], step: str) -> ProviderError:
    """Dropbox's error answer; HTTP 401 (an expired or revoked access token) is one a
    refresh may cure."""
    error = body.get("error")
    tag = text(error.get(".tag")) if isinstance(error, dict) else text(error)
    summary = text(body.get("error_summary"))
    return ProviderError(
        "provider_error",
        f"{step}: HTTP {response.status_code} error={tag!r} summary={summary!r}"[:500],
        token_refused=response.status_code == 401,
        error=tag[:200],
        error_description=summary[:500],
    )
