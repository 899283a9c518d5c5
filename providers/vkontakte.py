"""VK ID (id.vk.com): OAuth 2.1, authorization code with PKCE.

VK ID returns to the callback with ``code``, ``state``, ``device_id`` and ``type``
(``code_v2``). The code is exchanged at ``/oauth2/auth`` together with the PKCE verifier,
the ``device_id`` from the callback, our ``state`` (echoed back in the answer) and the
``client_id``; no client secret takes part. The profile is a POST to ``/oauth2/user_info``
with ``client_id`` and ``access_token``, answering ``{"user": {...}}``. Unlinking withdraws
the permissions at ``/oauth2/revoke`` the same way.

A refresh needs the ``device_id`` of the sign-in too. Rather than a column for one service,
the device id travels inside the refresh token we hand out (``"<device_id> <refresh token>"``,
a space being in neither), stored and sealed with it; ``refresh`` takes it apart.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import replace
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
    json_object,
    provider_errors,
    text,
)
from providers.http import http_client


class VKontakte(Provider):
    id = "vkontakte"
    title = N_("VK ID")
    endpoints: ClassVar[Mapping[str, str]] = {
        "authorize_url": "https://id.vk.com/authorize",
        "token_url": "https://id.vk.com/oauth2/auth",
        "api_url": "https://id.vk.com/oauth2/user_info",
        "revocation_url": "https://id.vk.com/oauth2/revoke",
    }
    scopes = ("vkid.personal_info", "email")
    pkce = True
    fields = (
        SettingField("client_id", N_("App ID")),
        SettingField(
            "client_secret",
            N_("Protected key"),
            secret=True,
            required=False,
            hint=N_(
                "Not needed to sign in: VK ID protects the exchange of the code with PKCE, "
                "so the protected key is never sent. Keep it here if other VK API calls "
                "from the server need it."
            ),
        ),
    )
    help = N_(
        "1. Open the VK ID business account at https://id.vk.com/about/business/go and "
        'create an application of the "Web" platform.\n'
        "2. In the application's settings add your site's domain to \"Base domain\" and the "
        'redirect URI shown below to "Trusted redirect URL".\n'
        '3. Under "Access" keep the basic data and tick "E-mail address" so that VK ID can '
        "share it.\n"
        '4. Copy the "App ID" here. The "Protected key" is optional: signing in does not '
        "use it.\n\n"
        "Documentation: https://id.vk.com/about/business/go/docs/ru/vkid/latest/vk-id/"
        "connection/api-integration/api-description"
    )

    async def authenticate_client(
        self, form: dict[str, str]
    ) -> tuple[dict[str, str], dict[str, str]]:
        # A public client in OAuth 2.1 terms: identified by client_id, proven by PKCE.
        form["client_id"] = self.client_id
        return form, {}

    async def exchange_code(
        self, request: AuthorizationRequest, callback: Mapping[str, str], redirect_uri: str
    ) -> TokenSet:
        device_id = callback.get("device_id", "")
        if not device_id:
            raise ProviderError("malformed_response", "the callback has no device_id")
        if not request.code_verifier:
            raise ProviderError("misconfigured", "VK ID needs the PKCE code_verifier")
        tokens = await self.token_request(
            {
                "grant_type": "authorization_code",
                "code": callback["code"],
                "code_verifier": request.code_verifier,
                "device_id": device_id,
                "redirect_uri": redirect_uri,
                "state": request.state,
            }
        )
        _check_echo(tokens, request.state)
        return _with_device(tokens, device_id)

    async def refresh(self, refresh_token: str) -> TokenSet:
        """New tokens for a refresh token we handed out: its device id and VK ID's own
        refresh token, sent with a new state (VK ID rotates refresh tokens)."""
        device_id, _, token = refresh_token.partition(DEVICE_SEPARATOR)
        if not device_id or not token:  # stored before the device id travelled with it
            raise ProviderError("invalid_grant", "the refresh token has no device_id")
        state = secrets.token_urlsafe(32)
        tokens = await self.token_request(
            {
                "grant_type": "refresh_token",
                "refresh_token": token,
                "device_id": device_id,
                "state": state,
            }
        )
        _check_echo(tokens, state)
        return _with_device(
            tokens if tokens.refresh_token else replace(tokens, refresh_token=token), device_id
        )

    async def fetch_profile(
        self, tokens: TokenSet, request: AuthorizationRequest, callback: Mapping[str, str]
    ) -> dict[str, Any]:
        async with http_client() as http:
            response = await http.post(
                self.endpoint("api_url"),
                data={"client_id": self.client_id, "access_token": tokens.access_token},
                headers={"Accept": "application/json"},
            )
        body = json_object(response)
        if "error" in body:
            raise ProviderError(
                "provider_error",
                f"user_info error={text(body.get('error'))!r} "
                f"description={text(body.get('error_description'))!r}",
            )
        response.raise_for_status()
        user = body.get("user")
        if not isinstance(user, dict):
            raise ProviderError("malformed_response", "user_info has no user object")
        return user

    async def revoke(self, tokens: TokenSet) -> None:
        """VK ID's own method: ``POST /oauth2/revoke`` with the ``client_id`` and the
        access token withdraws what the person allowed; VK ID answers ``{"response": 1}``
        (an access token past its hour is refreshed first, by the caller)."""
        with provider_errors("revoke"):
            async with http_client() as http:
                response = await http.post(
                    self.endpoint("revocation_url"),
                    data={"client_id": self.client_id, "access_token": tokens.access_token},
                    headers={"Accept": "application/json"},
                )
            body = json_object(response)
            if "error" in body:
                error, description = text(body.get("error")), text(body.get("error_description"))
                raise ProviderError(
                    "provider_error",
                    f"revoke error={error!r} description={description!r}",
                    error=error[:200],
                    error_description=description[:500],
                )
            response.raise_for_status()
            if body.get("response") != 1:
                raise ProviderError("malformed_response", "revoke: the answer is not response=1")

    def map_profile(self, raw: Mapping[str, Any]) -> ExternalProfile:
        user_id = identifier(raw.get("user_id"))
        email = text(raw.get("email")) or None
        return ExternalProfile(
            external_id=user_id,
            login_hint=(email or "").split("@")[0],
            first_name=text(raw.get("first_name")),
            last_name=text(raw.get("last_name")),
            email=email,
            email_verified=False,  # VK ID does not say whether the address is confirmed
            picture_url=text(raw.get("avatar")) or None,
            profile_url=f"https://vk.com/id{user_id}" if user_id else None,
            raw=dict(raw),
        )


#: between the device id and VK ID's refresh token in the refresh token we hand out
DEVICE_SEPARATOR = " "


def _with_device(tokens: TokenSet, device_id: str) -> TokenSet:
    if not tokens.refresh_token:
        return tokens
    return replace(tokens, refresh_token=f"{device_id}{DEVICE_SEPARATOR}{tokens.refresh_token}")


def _check_echo(tokens: TokenSet, state: str) -> None:
    """VK ID echoes the state of a token request: an answer for another one is refused."""
    echoed = text(tokens.raw.get("state"))
    if echoed and not secrets.compare_digest(echoed, state):
        raise ProviderError("invalid_response", "the token answer is for another state")
