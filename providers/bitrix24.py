"""Bitrix24.Net: accounts of the Bitrix24 network (the "Bitrix24 Passport" at
www.bitrix24.net), as the original module's "Bitrix24.Net" service signs in with them.

Not the OAuth of one Bitrix24 account (``<portal>.bitrix24.ru/oauth/`` and
oauth.bitrix.info), which authorises applications inside that portal: this is the
network's own account, the same for every portal a person belongs to.

The protocol is the one the original module speaks (``CBitrix24NetOAuthInterface``):
the token endpoint is called with GET and every parameter in the query string, the
client's credentials included, and with the ``scope`` list again; the profile is the
network's REST method ``profile``, POSTed with the token as ``auth``; the answer wraps
the profile in ``result``, errors come as ``{"error", "error_description"}``. Unlinking
calls the REST method ``profile.revoke`` with the token, as the original does when it
gives a grant up.

The scope is ``auth``, plus ``client`` for a client ID that starts with ``site.`` (an
application registered for a site) or ``profile`` for one that starts with ``b24.``
(a Bitrix24 account), as the original asks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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

#: the scope asked for besides ``auth``, by the client ID's prefix
SCOPE_BY_PREFIX = {"site": "client", "b24": "profile"}
#: REST errors meaning the access token is no longer (or never was) valid
TOKEN_ERRORS = frozenset({"expired_token", "invalid_token", "NO_AUTH_FOUND"})


def network_scopes(client_id: str) -> tuple[str, ...]:
    """What the original module asks of the network for this client ID."""
    prefix = client_id.partition(".")[0]
    extra = SCOPE_BY_PREFIX.get(prefix)
    return ("auth", extra) if extra else ("auth",)


def with_query_value(url: str, key: str, value: str) -> str:
    """``url`` with its query parameter ``key`` set to ``value``."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != key]
    return urlunsplit(parts._replace(query=urlencode([*query, (key, value)])))


class Bitrix24Net(Provider):
    id = "bitrix24"
    title = N_("Bitrix24.Net")
    endpoints: ClassVar[Mapping[str, str]] = {
        "authorize_url": "https://www.bitrix24.net/oauth/authorize/",
        "token_url": "https://www.bitrix24.net/oauth/token/",
        "api_url": "https://www.bitrix24.net/rest/profile",
    }
    scopes = ("auth",)  # the base; ``network_scopes`` adds the client ID's own
    scope_separator = ","
    token_auth = "client_secret_post"
    token_in_query = True
    grant_errors = frozenset({"invalid_grant", "expired_token"})
    # a full-page sign-in (the original also opens the network in a popup: mode=popup)
    extra_authorize_params: ClassVar[Mapping[str, str]] = {"mode": "page"}
    fields = CLIENT_CREDENTIALS
    help = N_(
        "1. Bitrix24.Net (the Bitrix24 network, https://www.bitrix24.net/) issues a client ID "
        "and secret to each site registered with it. A 1C-Bitrix site with an active licence "
        'is registered from its "Social services" module settings; for any other site ask '
        "1C-Bitrix (your partner account, or Bitrix24 support at https://helpdesk.bitrix24.com/) "
        "for a Bitrix24.Net application for your site.\n"
        "2. Give them the redirect URI shown below, exactly as shown, as the application's "
        "redirect URI.\n"
        "3. Copy the client ID and the client secret you receive here.\n\n"
        "This is the Bitrix24 network account (Bitrix24 Passport), not the sign-in of one "
        "Bitrix24 account (portal): an application created in a portal's developer resources "
        "or in the Bitrix24 Market does not work here.\n\n"
        "About the network account: https://helpdesk.bitrix24.com/open/25756295/"
    )

    def requested_scopes(self) -> tuple[str, ...]:
        return network_scopes(self.client_id)

    async def begin(self, redirect_uri: str) -> AuthorizationRequest:
        request = await super().begin(redirect_uri)
        scope = self.scope_separator.join(self.requested_scopes())
        return replace(request, url=with_query_value(request.url, "scope", scope))

    async def token_request(self, form: dict[str, str]) -> TokenSet:
        """Every parameter in the query string, the scope included, as the network is called."""
        return await super().token_request(
            {**form, "scope": self.scope_separator.join(self.requested_scopes())}
        )

    async def call(self, method_url: str, access_token: str, step: str) -> dict[str, Any]:
        """A REST method of the network on the user's behalf: its ``result``'s holder."""
        async with http_client() as http:
            response = await http.post(
                method_url, data={"auth": access_token}, headers={"Accept": "application/json"}
            )
        body = json_object(response)
        if "error" in body:
            error = text(body.get("error"))
            raise ProviderError(
                "provider_error",
                f"{step} error={error!r} description={text(body.get('error_description'))!r}",
                token_refused=error in TOKEN_ERRORS,
                error=error[:200],
            )
        response.raise_for_status()
        return body

    async def fetch_profile(
        self, tokens: TokenSet, request: AuthorizationRequest, callback: Mapping[str, str]
    ) -> dict[str, Any]:
        body = await self.call(self.endpoint("api_url"), tokens.access_token, "profile")
        profile = body.get("result")
        if not isinstance(profile, dict):
            raise ProviderError("malformed_response", "the profile answer has no result")
        return profile

    async def revoke(self, tokens: TokenSet) -> None:
        """The network's ``profile.revoke``, next to ``profile``: the grant behind the
        access token is given up."""
        with provider_errors("revoke"):
            await self.call(self.endpoint("api_url") + ".revoke", tokens.access_token, "revoke")

    def map_profile(self, raw: Mapping[str, Any]) -> ExternalProfile:
        email = text(raw.get("EMAIL")) or None
        return ExternalProfile(
            external_id=identifier(raw.get("ID")),
            login_hint=text(raw.get("LOGIN")) or (email or "").split("@")[0],
            first_name=text(raw.get("NAME")),
            last_name=text(raw.get("LAST_NAME")),
            email=email,
            email_verified=False,  # the network does not say whether the address is confirmed
            picture_url=None,  # the original reads no picture from the network's profile
            profile_url=text(raw.get("PROFILE")) or None,
            raw=dict(raw),
        )
