"""Google accounts, through Google's OpenID Connect endpoints."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from providers.base import CLIENT_CREDENTIALS, N_
from providers.openid import OpenIDProvider


class Google(OpenIDProvider):
    id = "google"
    title = N_("Google")
    endpoints: ClassVar[Mapping[str, str]] = {
        "issuer": "https://accounts.google.com",
        "authorize_url": "https://accounts.google.com/o/oauth2/v2/auth",
        "token_url": "https://oauth2.googleapis.com/token",
        "api_url": "https://openidconnect.googleapis.com/v1/userinfo",
        # RFC 7009-style: a refresh or access token revoked ends the whole grant
        "revocation_url": "https://oauth2.googleapis.com/revoke",
    }
    token_auth = "client_secret_post"
    extra_authorize_params: ClassVar[Mapping[str, str]] = {"prompt": "select_account"}

    def accepted_issuers(self, claims: Mapping[str, Any]) -> list[str]:
        # Google documents both spellings of its issuer in ID tokens.
        return [self.issuer, self.issuer.split("://", 1)[-1]]

    fields = CLIENT_CREDENTIALS
    help = N_(
        "1. Open the Google Cloud console (https://console.cloud.google.com/), choose or "
        "create a project.\n"
        '2. In "APIs & Services" → "OAuth consent screen", set up the consent screen '
        "(external users, your site's name and support e-mail).\n"
        '3. In "APIs & Services" → "Credentials" choose "Create credentials" → '
        '"OAuth client ID", type "Web application".\n'
        '4. Add the redirect URI shown below to "Authorized redirect URIs".\n'
        "5. Copy the client ID and the client secret here.\n\n"
        "Documentation: https://developers.google.com/identity/openid-connect/openid-connect"
    )
