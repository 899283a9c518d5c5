"""Odnoklassniki (OK.ru): OAuth 2.0 code flow, profile through the signed REST API.

The token comes from the usual OAuth endpoint, but the profile is read with the REST method
``users.getCurrentUser`` at ``fb.do``, which must be signed: ``sig`` is the MD5 of the sorted
``key=value`` parameters (without ``access_token`` and ``sig``) followed by
MD5(access_token + application secret key). The REST API reports errors with HTTP 200 and a
JSON body ``{"error_code": ..., "error_msg": ...}``; a session that expired (102) or is not
known (103) is a refused token, which a refresh may cure (OK's tokens live 30 minutes,
its refresh tokens 30 days). OK documents no way to revoke a grant: unlinking only forgets
the tokens.

The e-mail address is returned only to applications OK has granted ``GET_EMAIL``; signing in
without it works, the profile just has no e-mail.
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
    json_object,
    text,
)
from providers.http import http_client

PROFILE_METHOD = "users.getCurrentUser"
PROFILE_FIELDS = "uid,first_name,last_name,name,email,gender,birthday,locale,pic_2,pic190x190"
#: REST error codes meaning the access token is no longer (or never was) a valid session
SESSION_ERRORS = {102, 103}  # PARAM_SESSION_EXPIRED, PARAM_SESSION_KEY


def signature(params: Mapping[str, str], access_token: str, secret_key: str) -> str:
    """OK's request signature for a call made with a user's access token."""
    session_secret = md5((access_token + secret_key).encode()).hexdigest().lower()
    signed = "".join(
        f"{key}={value}"
        for key, value in sorted(params.items())
        if key not in {"access_token", "session_key", "sig"}
    )
    return md5((signed + session_secret).encode()).hexdigest().lower()


def raise_api_error(body: Mapping[str, Any], step: str) -> None:
    """Turn OK's ``{"error_code", "error_msg"}`` answer into a ProviderError."""
    if "error_code" not in body:
        return
    try:
        error_code = int(body["error_code"])
    except (TypeError, ValueError):
        error_code = -1
    session = error_code in SESSION_ERRORS
    raise ProviderError(
        "invalid_grant" if session else "provider_error",
        f"{step}: error_code={error_code} error_msg={text(body.get('error_msg'))!r}",
        token_refused=session,  # 102 is "session expired: refresh" in OK's words
    )


class Odnoklassniki(Provider):
    id = "odnoklassniki"
    title = N_("Odnoklassniki")
    endpoints: ClassVar[Mapping[str, str]] = {
        "authorize_url": "https://connect.ok.ru/oauth/authorize",
        "token_url": "https://api.ok.ru/oauth/token.do",
        "api_url": "https://api.ok.ru/fb.do",
    }
    # VALUABLE_ACCESS only: asking for GET_EMAIL breaks sign-in for applications that were
    # not granted it; those that were get the e-mail through the ``email`` field anyway.
    scopes = ("VALUABLE_ACCESS",)
    scope_separator = ";"
    token_auth = "client_secret_post"
    client_id_key = "app_id"
    client_secret_key = "secret_key"
    fields = (
        SettingField("app_id", N_("Application ID")),
        SettingField("public_key", N_("Application public key")),
        SettingField("secret_key", N_("Application secret key"), secret=True),
    )
    help = N_(
        "1. Get developer rights at https://ok.ru/devaccess (sign in with your OK account "
        "first).\n"
        '2. Create an application at https://ok.ru/vitrine/myuploaded ("Add application"): '
        "give it a name, a short name and a description.\n"
        '3. Press "Add platform", choose "OAuth" (an external application) and paste the '
        'redirect URI shown below into "Allowed redirect_uri list" (https only). Save.\n'
        "4. OK sends the application ID, the public key and the secret key to your "
        "developer e-mail; they are also shown in the application's settings. Copy them "
        "here.\n"
        "5. OK gives out e-mail addresses only to applications granted the GET_EMAIL "
        "permission: to ask for it, write to api-support@ok.ru with the application ID and "
        "why you need it. Without it visitors still sign in, just without an e-mail.\n\n"
        "Documentation: https://apiok.ru/ext/oauth/server"
    )

    @property
    def application_key(self) -> str:
        return self.setting("public_key")

    def parse_tokens(self, body: Mapping[str, Any]) -> TokenSet:
        raise_api_error(body, "token")
        return super().parse_tokens(body)

    async def fetch_profile(
        self, tokens: TokenSet, request: AuthorizationRequest, callback: Mapping[str, str]
    ) -> dict[str, Any]:
        params = {
            "application_key": self.application_key,
            "fields": PROFILE_FIELDS,
            "format": "json",
            "method": PROFILE_METHOD,
        }
        params["sig"] = signature(params, tokens.access_token, self.client_secret)
        params["access_token"] = tokens.access_token
        async with http_client() as http:
            response = await http.post(
                self.endpoint("api_url"), data=params, headers={"Accept": "application/json"}
            )
        profile = json_object(response)
        response.raise_for_status()
        raise_api_error(profile, "profile")
        return profile

    def map_profile(self, raw: Mapping[str, Any]) -> ExternalProfile:
        uid = identifier(raw.get("uid"))
        first, last = text(raw.get("first_name")), text(raw.get("last_name"))
        if not first and not last:
            first, _, last = text(raw.get("name")).partition(" ")
        email = text(raw.get("email")) or None
        return ExternalProfile(
            external_id=uid,
            login_hint=(email or "").split("@")[0],
            first_name=first,
            last_name=last,
            email=email,
            email_verified=False,  # OK does not say whether the address was confirmed
            picture_url=text(raw.get("pic190x190")) or text(raw.get("pic_2")) or None,
            profile_url=f"https://ok.ru/profile/{uid}" if uid else None,
            raw=dict(raw),
        )
