"""Zoom accounts, through a Zoom "General" app's user authorization (OAuth 2.0 code flow).

The client authenticates at ``zoom.us/oauth/token`` with HTTP Basic, as Zoom documents
it; PKCE (S256) is supported for confidential clients too, so it is sent. The authorize
request names no scope: the token carries the scopes added to the app in the Zoom App
Marketplace, of which reading the profile (``GET api.zoom.us/v2/users/me``) needs
``user:read:user``. Zoom names token errors in ``error`` and explains them in ``reason``
(not ``error_description``); its API answers ``{"code": …, "message": …}``.

Unlinking revokes the grant at ``zoom.us/oauth/revoke``, which Zoom documents for the
access token (not the refresh token); revoking it uninstalls the app for that user.
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
    json_object,
    provider_errors,
    text,
)
from providers.http import http_client
from providers.live_token import live_access_token


class Zoom(Provider):
    id = "zoom"
    title = N_("Zoom")
    endpoints: ClassVar[Mapping[str, str]] = {
        "authorize_url": "https://zoom.us/oauth/authorize",
        "token_url": "https://zoom.us/oauth/token",
        "api_url": "https://api.zoom.us/v2/users/me",
        "revocation_url": "https://zoom.us/oauth/revoke",
    }
    scopes = ()  # the app's own scopes (see the module's docstring)
    pkce = True
    token_auth = "client_secret_basic"
    fields = CLIENT_CREDENTIALS
    help = N_(
        "1. Sign in to the Zoom App Marketplace (https://marketplace.zoom.us), open "
        '"Develop" → "Build App" and create a "General App" that is "User-managed".\n'
        '2. Under "Basic Information" → "OAuth Information" paste the redirect URI shown '
        'below into "OAuth Redirect URL" and add it to the "OAuth Allow List" as well.\n'
        '3. Under "Scopes" click "Add Scopes" and add "user:read:user" (View a user: the '
        "name, e-mail address and picture).\n"
        '4. Copy the "Client ID" and "Client Secret" from "App Credentials" here (for an app '
        "still in development, the development credentials).\n"
        "5. Until the app is published on the Marketplace, only users of your own Zoom "
        'account can sign in; to admit others, complete "Add your app" and submit it for '
        "review.\n\n"
        "Unlinking a Zoom account here revokes its access token at Zoom, which removes the "
        "app from that person's Zoom account.\n\n"
        "Documentation: https://developers.zoom.us/docs/integrations/oauth/"
    )

    def token_error(self, body: Mapping[str, Any]) -> ProviderError:
        # Zoom explains its errors in "reason" (e.g. "Invalid authorization code").
        error, reason = text(body.get("error")), text(body.get("reason"))
        return ProviderError(
            "invalid_grant" if error == "invalid_grant" else "provider_error",
            f"token error={error!r} reason={reason!r}",
            error=error[:200],
            error_description=reason[:500],
        )

    async def fetch_profile(
        self, tokens: TokenSet, request: AuthorizationRequest, callback: Mapping[str, str]
    ) -> dict[str, Any]:
        return await self.get_json(self.endpoint("api_url"), token=tokens.access_token)

    def map_profile(self, raw: Mapping[str, Any]) -> ExternalProfile:
        email = text(raw.get("email")) or None
        first, last = text(raw.get("first_name")), text(raw.get("last_name"))
        if not first and not last:
            first, _, last = text(raw.get("display_name")).partition(" ")
        return ExternalProfile(
            external_id=identifier(raw.get("id")),
            login_hint=(email or "").split("@")[0],
            first_name=first.strip(),
            last_name=last.strip(),
            email=email,
            # "verified" says the account is verified, not which address: never trusted
            email_verified=False,
            picture_url=text(raw.get("pic_url")) or None,
            profile_url=None,  # Zoom has no public profile page
            raw=dict(raw),
        )

    async def revoke(self, tokens: TokenSet) -> None:
        """Zoom's revocation: the (live) access token, with the client's Basic credentials;
        ``{"status": "success"}`` is success."""
        form, headers = await self.authenticate_client(
            {"token": await live_access_token(self, tokens)}
        )
        with provider_errors("revoke"):
            async with http_client() as http:
                response = await http.post(
                    self.endpoint("revocation_url"),
                    data=form,
                    headers={"Accept": "application/json", **headers},
                )
            body = json_object(response)
            if response.status_code == 200 and body.get("status") == "success":
                return
            raise ProviderError(
                "provider_error",
                f"revoke: HTTP {response.status_code} error={text(body.get('error'))!r} "
                f"reason={text(body.get('reason'))!r}",
                error=text(body.get("error"))[:200],
                error_description=text(body.get("reason"))[:500],
            )
