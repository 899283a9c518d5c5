"""T-ID (T-Bank, formerly Tinkoff ID): OAuth 2.0 code flow at id.tbank.ru.

The client authenticates at the token endpoint with HTTP Basic. The profile is a POST to
``/userinfo/userinfo`` with the bearer token in the header and, as T-ID documents it, the
client's id and secret in the form. Which data the visitor is asked for is set in the
partner's application with T-Bank, not in the authorize request: it carries no scope.
Unlinking revokes the grant at ``/auth/revoke`` (RFC 7009, Basic client authentication).
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
    json_object,
    provider_errors,
    text,
)
from providers.http import http_client


class TID(Provider):
    id = "tid"
    title = N_("T-ID")
    endpoints: ClassVar[Mapping[str, str]] = {
        "authorize_url": "https://id.tbank.ru/auth/authorize",
        "token_url": "https://id.tbank.ru/auth/token",
        "api_url": "https://id.tbank.ru/userinfo/userinfo",
        "revocation_url": "https://id.tbank.ru/auth/revoke",
    }
    scopes = ()  # the data asked for is chosen in the application's form with T-Bank
    pkce = True
    token_auth = "client_secret_basic"
    fields = CLIENT_CREDENTIALS
    help = N_(
        "1. Write to tinkoff_id@tbank.ru that you want to connect T-ID (see "
        "https://developer.tbank.ru/docs/intro/partner/tid); T-Bank sends the application "
        "and the form to fill in.\n"
        "2. In the form give the redirect URI shown below, exactly as shown, and ask for "
        'the data "Full name" (profile) and, if you want the address, "E-mail" (email).\n'
        "3. Once the contract is signed, T-Bank e-mails the client_id and client_secret: "
        "copy them here.\n\n"
        "Unlinking an account revokes its grant at T-ID.\n\n"
        "Documentation: https://developer.tbank.ru/docs/products/scenarios/TID/w2w"
    )

    async def fetch_profile(
        self, tokens: TokenSet, request: AuthorizationRequest, callback: Mapping[str, str]
    ) -> dict[str, Any]:
        with provider_errors("userinfo"):
            async with http_client() as http:
                response = await http.post(
                    self.endpoint("api_url"),
                    data={"client_id": self.client_id, "client_secret": self.client_secret},
                    headers={
                        "Accept": "application/json",
                        "Authorization": f"Bearer {tokens.access_token}",
                    },
                )
            body = json_object(response)
            response.raise_for_status()
            return body

    def map_profile(self, raw: Mapping[str, Any]) -> ExternalProfile:
        first, last = text(raw.get("given_name")), text(raw.get("family_name"))
        if not first and not last:  # "name" is the family name, then the given name
            last, _, first = text(raw.get("name")).partition(" ")
        email = text(raw.get("email")) or None
        return ExternalProfile(
            external_id=identifier(raw.get("sub")),
            login_hint=(email or "").split("@")[0],
            first_name=first,
            last_name=last,
            email=email,
            email_verified=False,  # T-ID does not say whether the address is confirmed
            raw=dict(raw),
        )
