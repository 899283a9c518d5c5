"""Sber ID for Sber's partners: an OpenID Connect-style code flow with mutual TLS.

The browser signs in at id.sber.ru. The code is exchanged, and the profile read, at
oauth.sber.ru over mutual TLS, with the client certificate Sber issues to the partner; that
server's own certificate comes from the Russian Ministry of Digital Development's
authority, which the usual bundle lacks, so the administrator may paste it. Each of these
requests carries a fresh request id of 32 hex digits (``rquid`` at the token endpoint,
``x-introspect-rquid`` at UserInfo).

The ID token is not checked against a signature: Sber's documentation shows it signed with
GOST R 34.10-2012 and publishes no key set to check it with. It comes straight from the
token endpoint over the mutually authenticated connection, which OpenID Connect Core
(3.1.3.7, item 6) accepts in place of the signature; its audience, expiry and nonce are
checked, and UserInfo must name the same subject and our client as its audience.

Sber asks partners to confirm each completed sign-in (``auth/completed``): it is sent once
the profile is read, and its failure does not undo the sign-in.
"""

from __future__ import annotations

import base64
import json
import secrets
import ssl
import time
from collections.abc import Callable, Mapping
from contextlib import suppress
from typing import Any, ClassVar

import httpx

from providers.base import (
    CLIENT_CREDENTIALS,
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
from providers.mutual_tls import client_tls

CLOCK_LEEWAY = 120  # seconds


def request_id() -> str:
    """A request id as Sber wants it: 32 hex digits, new for every request."""
    return secrets.token_hex(16)


class SberID(Provider):
    id = "sberid"
    title = N_("Sber ID")
    endpoints: ClassVar[Mapping[str, str]] = {
        "authorize_url": "https://id.sber.ru/CSAFront/oidc/authorize.do",
        "token_url": "https://oauth.sber.ru/ru/prod/tokens/v2/oidc",
        "api_url": "https://oauth.sber.ru/ru/prod/sberbankid/v2.1/userinfo",
        "completed_url": "https://oauth.sber.ru/api/v2/auth/completed",
    }
    # "openid" first, as Sber requires; each further group must be one the application
    # is registered for
    scopes = ("openid", "name", "email")
    pkce = True
    extra_authorize_params: ClassVar[Mapping[str, str]] = {"client_type": "PRIVATE"}
    fields = (
        *CLIENT_CREDENTIALS,
        SettingField(
            "client_certificate",
            N_("Client certificate and private key (PEM)"),
            secret=True,
            multiline=True,
            hint=N_(
                "The certificate Sber issued for your application, followed by its private "
                "key, as PEM text. Sber sends a .p12 file: convert it with "
                "openssl pkcs12 -in certificate.p12 -nodes (the key must not be encrypted)."
            ),
        ),
        SettingField(
            "trusted_authority",
            N_("Certificate authority of oauth.sber.ru (PEM)"),
            required=False,
            multiline=True,
            hint=N_(
                "oauth.sber.ru presents a certificate of the Russian Ministry of Digital "
                'Development\'s authority ("Russian Trusted Root CA"), which is not in the '
                "usual list of trusted authorities: paste its certificate here unless this "
                "server already trusts it."
            ),
        ),
    )
    help = N_(
        "1. Register your organisation and application on the Sber ID partner portal "
        "(https://developers.sber.ru/portal/tools/sber-id) and sign the offer through "
        "electronic document exchange as the portal describes.\n"
        "2. Add the redirect URI shown below to the application's redirect addresses, "
        'exactly as shown, and subscribe it to the data groups "name" and "email" (the '
        'group "openid" is always included).\n'
        "3. Copy the application's Client ID and Client Secret here.\n"
        "4. Issue the application's certificate on the portal. Sber ID's token and user "
        "data requests need it (mutual TLS): convert the .p12 file to PEM with "
        "openssl pkcs12 -in certificate.p12 -nodes and paste the certificate and its "
        "unencrypted private key here.\n"
        "5. oauth.sber.ru uses a certificate of the Ministry of Digital Development's "
        "authority: download its certificate (Russian Trusted Root CA) from the link on "
        "https://developers.sber.ru/docs/ru/sberid/faq/a2-work-with-certificates and paste "
        "it into its field.\n\n"
        "Every request to oauth.sber.ru carries a request id (the rquid and "
        "x-introspect-rquid headers), and each completed sign-in is confirmed to Sber, as "
        "Sber requires.\n\n"
        "Documentation: https://developers.sber.ru/docs/ru/sberid/service/overview"
    )

    def new_nonce(self) -> str | None:
        return secrets.token_urlsafe(24)

    def tls(self) -> ssl.SSLContext:
        """The TLS settings of every request to oauth.sber.ru (mutual TLS)."""
        return client_tls(
            self.setting("client_certificate"), self.config.settings.get("trusted_authority", "")
        )

    def configuration_checks(self) -> list[Callable[[], object]]:
        if not self.config.settings.get("client_certificate"):
            return []
        return [self.tls]

    # -- the token endpoint: mutual TLS and a request id

    async def token_request(self, form: dict[str, str]) -> TokenSet:
        form, headers = await self.authenticate_client(dict(form))
        with provider_errors("token"):
            async with http_client(self.tls()) as http:
                response = await http.post(
                    await self.token_url(),
                    data=form,
                    headers={"Accept": "application/json", "rquid": request_id(), **headers},
                )
            body = json_object(response)
            if "error" in body:
                raise self.token_error(body)
            if response.status_code != 200:
                raise gateway_error("token", response.status_code, body)
            return self.parse_tokens(body)

    # -- the profile: the ID token's claims, UserInfo, the confirmation

    async def fetch_profile(
        self, tokens: TokenSet, request: AuthorizationRequest, callback: Mapping[str, str]
    ) -> dict[str, Any]:
        claims = self.id_token_claims(tokens.id_token, request.nonce)
        async with http_client(self.tls()) as http:
            response = await http.get(
                self.endpoint("api_url"),
                headers={
                    "Accept": "application/json",
                    "Authorization": f"Bearer {tokens.access_token}",
                    "x-introspect-rquid": request_id(),
                },
            )
            userinfo = json_object(response)
            if response.status_code != 200:
                raise gateway_error("userinfo", response.status_code, userinfo)
            if identifier(userinfo.get("sub")) != identifier(claims.get("sub")):
                raise ProviderError("invalid_response", "userinfo is about another subject")
            if self.client_id not in audiences(userinfo):
                raise ProviderError("invalid_response", "userinfo is for another client")
            await self.confirm_sign_in(http, tokens.access_token)
        return userinfo

    def id_token_claims(self, id_token: str | None, nonce: str | None) -> dict[str, Any]:
        """The ID token's claims once its subject, audience, expiry and nonce are ours
        (its signature is not checked: see the module's docstring)."""
        if not id_token:
            raise ProviderError("malformed_response", "the token response has no id_token")
        claims = unverified_claims(id_token)
        if not identifier(claims.get("sub")):
            raise ProviderError("missing_id", "the id_token has no sub")
        if self.client_id not in audiences(claims):
            raise ProviderError("invalid_response", "the id_token is for another client")
        expires = claims.get("exp")
        if not isinstance(expires, int | float) or expires + CLOCK_LEEWAY < time.time():
            raise ProviderError("invalid_response", "the id_token has expired")
        if nonce is None or not secrets.compare_digest(
            text(claims.get("nonce")).encode(), nonce.encode()
        ):
            raise ProviderError("invalid_response", "the id_token's nonce is not ours")
        return claims

    async def confirm_sign_in(self, http: httpx.AsyncClient, access_token: str) -> None:
        """Tell Sber that the sign-in is complete (its "successful sign-in" report).
        The visitor is signed in whatever it answers."""
        with suppress(httpx.HTTPError):
            await http.get(
                self.endpoint("completed_url"),
                headers={"Authorization": f"Bearer {access_token}", "rquid": request_id()},
            )

    def map_profile(self, raw: Mapping[str, Any]) -> ExternalProfile:
        email = text(raw.get("email")) or None
        return ExternalProfile(
            external_id=identifier(raw.get("sub")),
            login_hint=(email or "").split("@")[0],
            first_name=text(raw.get("given_name")),
            last_name=text(raw.get("family_name")),
            email=email,
            email_verified=False,  # Sber ID's documentation does not say it is confirmed
            raw=dict(raw),
        )


def unverified_claims(id_token: str) -> dict[str, Any]:
    """The payload of a compact JWS, read without checking its signature."""
    parts = id_token.split(".")
    if len(parts) != 3:
        raise ProviderError("invalid_response", "the id_token is not a compact JWS")
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    claims = json.loads(base64.urlsafe_b64decode(payload))
    if not isinstance(claims, dict):
        raise ProviderError("invalid_response", "the id_token's payload is not an object")
    return claims


def audiences(claims: Mapping[str, Any]) -> list[str]:
    """The ``aud`` claim as a list (OpenID Connect allows a string or an array)."""
    audience = claims.get("aud")
    if isinstance(audience, str):
        return [audience]
    if isinstance(audience, list):
        return [value for value in audience if isinstance(value, str)]
    return []


def gateway_error(step: str, status: int, body: Mapping[str, Any]) -> ProviderError:
    """The error for an answer of Sber's API gateway: ``httpCode``, ``httpMessage`` and
    ``moreInformation`` instead of OAuth's ``error``."""
    message, more = text(body.get("httpMessage")), text(body.get("moreInformation"))
    return ProviderError(
        "unavailable" if status >= 500 else "provider_error",
        f"{step}: HTTP {status} {message!r} {more!r}"[:500],
        error=message[:200],
        error_description=more[:500],
    )
