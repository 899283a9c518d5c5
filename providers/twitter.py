"""X (formerly Twitter) accounts, through OAuth 2.0 authorization code with PKCE (S256).

A confidential client ("Web App") authenticates at the token endpoint with HTTP Basic and
still names itself with ``client_id`` in the form, as X's documentation shows. X reports a
bad code, redirect_uri or verifier as ``invalid_request`` ("Value passed for the
authorization code was invalid." and the like), which is read as an expired sign-in.

The scopes include ``tweet.write`` (for posting the user's activity, see the activity
feature) and ``offline.access`` (a refresh token): the app's permissions at X must be
"Read and write". X gives no e-mail address in this flow.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from providers.base import (
    N_,
    AuthorizationRequest,
    ExternalProfile,
    Provider,
    ProviderError,
    SettingField,
    TokenSet,
    json_object,
    text,
)
from providers.http import http_client

USER_FIELDS = "profile_image_url,name,username"
#: ``invalid_request`` descriptions that mean the code cannot be redeemed (any more)
GRANT_PROBLEMS = ("authorization code", "redirect uri", "code verifier")


class Twitter(Provider):
    id = "twitter"
    title = N_("X (Twitter)")
    endpoints: ClassVar[Mapping[str, str]] = {
        "authorize_url": "https://x.com/i/oauth2/authorize",
        "token_url": "https://api.x.com/2/oauth2/token",
        "api_url": "https://api.x.com/2/users/me",
    }
    scopes = ("tweet.read", "tweet.write", "users.read", "offline.access")
    pkce = True
    token_auth = "client_secret_basic"
    fields = (
        SettingField("client_id", N_("OAuth 2.0 Client ID")),
        SettingField("client_secret", N_("OAuth 2.0 Client Secret"), secret=True),
    )
    help = N_(
        "1. Open the X Developer Console (https://console.x.com), sign in and create an app "
        '("Create App") or choose an existing one.\n'
        '2. In the app\'s settings find "User authentication settings" and click "Set up" '
        '(or "Edit").\n'
        '3. Choose the app permissions "Read and write" and the type of app "Web App" (a '
        "confidential client, which gets a Client Secret).\n"
        '4. Paste the redirect URI shown below into "Callback URI / Redirect URL", enter your '
        'site\'s address as "Website URL" and save.\n'
        '5. On the "Keys and tokens" tab, under "OAuth 2.0 Client ID and Client Secret", copy '
        "the Client ID and the Client Secret here (not the API key of OAuth 1.0a).\n\n"
        "The site receives no e-mail address from X.\n\n"
        "Documentation: https://docs.x.com/fundamentals/authentication/oauth-2-0/"
        "user-access-token"
    )

    async def authenticate_client(
        self, form: dict[str, str]
    ) -> tuple[dict[str, str], dict[str, str]]:
        # HTTP Basic, and X also wants the client_id in the form.
        form, headers = await super().authenticate_client(form)
        form["client_id"] = self.client_id
        return form, headers

    def token_error(self, body: Mapping[str, Any]) -> ProviderError:
        # X calls a spent or foreign code "invalid_request".
        error = text(body.get("error"))
        description = text(body.get("error_description"))
        expired = error == "invalid_grant" or (
            error == "invalid_request"
            and any(problem in description.lower() for problem in GRANT_PROBLEMS)
        )
        return ProviderError(
            "invalid_grant" if expired else "provider_error",
            f"token error={error!r} description={description!r}",
        )

    async def fetch_profile(
        self, tokens: TokenSet, request: AuthorizationRequest, callback: Mapping[str, str]
    ) -> dict[str, Any]:
        async with http_client() as http:
            response = await http.get(
                self.endpoint("api_url"),
                params={"user.fields": USER_FIELDS},
                headers={
                    "Authorization": f"Bearer {tokens.access_token}",
                    "Accept": "application/json",
                },
            )
        body = json_object(response)
        response.raise_for_status()
        if not isinstance(body.get("data"), dict) and body.get("errors"):
            raise ProviderError("provider_error", f"users/me errors={body.get('errors')!r}")
        return body

    def map_profile(self, raw: Mapping[str, Any]) -> ExternalProfile:
        data = raw.get("data")
        user: Mapping[str, Any] = data if isinstance(data, dict) else {}
        username = text(user.get("username"))
        first, _, last = text(user.get("name")).partition(" ")
        return ExternalProfile(
            external_id=text(user.get("id")),
            login_hint=username,
            first_name=first.strip(),
            last_name=last.strip(),
            email=None,
            picture_url=text(user.get("profile_image_url")) or None,
            profile_url=f"https://x.com/{username}" if username else None,
            raw=dict(raw),
        )
