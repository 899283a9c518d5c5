"""Facebook accounts, through Facebook Login's manually built flow and the Graph API.

Every Graph API call carries ``appsecret_proof``: the HMAC-SHA256 (hex) of the access token
keyed with the app secret, so a stolen token is useless without the secret (and the app may
switch on "Require App Secret"). Graph errors are objects, ``{"error": {"message", "type",
"code", "fbtrace_id"}}``; code 100 (``OAuthException``) at the token endpoint means the code
was used, has expired, or was issued for another redirect_uri.

Facebook returns an e-mail only once the person has confirmed it, so a present e-mail is a
verified one. Ids are app-scoped: there is no public profile link.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from functools import partial
from typing import Any, ClassVar

from providers.activity import (
    DUPLICATE,
    REFUSED,
    RETRY,
    TOKEN,
    UNKNOWN,
    Published,
    Publisher,
    PublishError,
    publish_errors,
    server_error,
)
from providers.base import (
    N_,
    AuthorizationRequest,
    ExternalProfile,
    Provider,
    ProviderError,
    SettingField,
    TokenSet,
    identifier,
    provider_errors,
    text,
)
from providers.http import http_client

#: the newest Graph API version (v26.0, released on 29 July 2026)
GRAPH_VERSION = "v26.0"
PROFILE_FIELDS = "id,first_name,last_name,email,picture"
#: Graph error codes: the token is refused; the text repeats a recent post; try later
TOKEN_CODES = {"190", "102", "463", "467"}
DUPLICATE_CODES = {"506"}
TRANSIENT_CODES = {"1", "2", "4", "17", "32", "341", "613"}


class Facebook(Provider, Publisher):
    id = "facebook"
    title = N_("Facebook")
    endpoints: ClassVar[Mapping[str, str]] = {
        "authorize_url": f"https://www.facebook.com/{GRAPH_VERSION}/dialog/oauth",
        "token_url": f"https://graph.facebook.com/{GRAPH_VERSION}/oauth/access_token",
        "api_url": f"https://graph.facebook.com/{GRAPH_VERSION}/me",
        "post_url": f"https://graph.facebook.com/{GRAPH_VERSION}/me/feed",
    }
    max_length = 5000
    scopes = ("email", "public_profile")
    scope_separator = ","
    token_auth = "client_secret_post"
    https_redirect_only = True  # Facebook enforces https for every non-localhost redirect URI
    fields = (
        SettingField("client_id", N_("App ID")),
        SettingField("client_secret", N_("App secret"), secret=True),
    )
    help = N_(
        "1. Open Meta for Developers (https://developers.facebook.com/apps/) and click "
        '"Create app". Choose the use case "Authenticate and request data from users with '
        'Facebook Login".\n'
        '2. In the use case\'s "Customize" page add the "email" permission next to '
        '"public_profile".\n'
        '3. Open "Facebook Login" → "Settings" and paste the redirect URI shown below into '
        '"Valid OAuth Redirect URIs"; keep "Client OAuth login" and "Web OAuth login" on.\n'
        '4. In "App settings" → "Basic" copy the "App ID" and the "App secret" (click "Show") '
        "here, and fill in the privacy policy URL.\n"
        '5. Optionally, in "App settings" → "Advanced" switch on "Require app secret": this '
        "site signs every request with it.\n"
        '6. Publish the app (switch it to "Live"); until then only its developers and testers '
        "can sign in.\n\n"
        "Documentation: https://developers.facebook.com/docs/facebook-login/guides/advanced/"
        "manual-flow"
    )

    def appsecret_proof(self, access_token: str) -> str:
        """HMAC-SHA256 of the access token, keyed with the app secret, as hex."""
        return hmac.new(
            self.client_secret.encode(), access_token.encode(), hashlib.sha256
        ).hexdigest()

    def token_error(self, body: Mapping[str, Any]) -> ProviderError:
        # Graph API errors are objects with a numeric code.
        return graph_error("token", body, expired_code=True)

    async def fetch_profile(
        self, tokens: TokenSet, request: AuthorizationRequest, callback: Mapping[str, str]
    ) -> dict[str, Any]:
        return await self.get_json(
            self.endpoint("api_url"),
            token=tokens.access_token,
            params={
                "fields": PROFILE_FIELDS,
                "appsecret_proof": self.appsecret_proof(tokens.access_token),
            },
            error_in_body=partial(graph_error, "profile"),
        )

    async def publish(self, access_token: str, message: str) -> Published:
        """``POST /me/feed`` with ``message`` and ``appsecret_proof``; the Graph API
        refuses a repeat of a recent post (code 506)."""
        with publish_errors("post"):
            async with http_client() as http:
                response = await http.post(
                    self.endpoint("post_url"),
                    data={
                        "message": self.shorten(message),
                        "appsecret_proof": self.appsecret_proof(access_token),
                    },
                    headers={"Authorization": f"Bearer {access_token}"},
                )
            try:
                body = response.json()
            except ValueError:
                body = None
            error = body.get("error") if isinstance(body, dict) else None
            if isinstance(error, dict):
                raise publish_error(error, response.status_code)
            failure = server_error("post", response)
            if failure:
                raise failure
            post_id = text(body.get("id")) if isinstance(body, dict) else ""
            if response.status_code >= 400:  # a client error: nothing was published
                raise PublishError(REFUSED, f"post: HTTP {response.status_code}")
            if not post_id:
                raise PublishError(UNKNOWN, f"post: HTTP {response.status_code} without an id")
            person, _, post = post_id.partition("_")
            return Published(
                post_id, f"https://www.facebook.com/{person}/posts/{post}" if post else None
            )

    async def revoke(self, tokens: TokenSet) -> None:
        """Facebook's own method: ``DELETE /me/permissions`` with the person's access token
        withdraws every permission, which is the login itself; the Graph API answers
        ``{"success": true}``. Facebook gives no refresh token: an expired token (code
        190) is refused, and the failure shown."""
        with provider_errors("revoke"):
            async with http_client() as http:
                response = await http.delete(
                    self.endpoint("api_url").rstrip("/") + "/permissions",
                    params={"appsecret_proof": self.appsecret_proof(tokens.access_token)},
                    headers={
                        "Authorization": f"Bearer {tokens.access_token}",
                        "Accept": "application/json",
                    },
                )
            if response.status_code >= 500:
                response.raise_for_status()
            body = response.json()
            if isinstance(body, dict) and "error" in body:
                raise graph_error("revoke", body)
            response.raise_for_status()
            # the reference shows a bare ``true``; the Graph API sends {"success": true}
            if body is not True and not (isinstance(body, dict) and body.get("success") is True):
                raise ProviderError("malformed_response", "revoke: the answer is not a success")

    def map_profile(self, raw: Mapping[str, Any]) -> ExternalProfile:
        email = text(raw.get("email")) or None
        picture = raw.get("picture")
        picture_data = picture.get("data") if isinstance(picture, dict) else None
        picture_url = text(picture_data.get("url")) if isinstance(picture_data, dict) else ""
        return ExternalProfile(
            external_id=identifier(raw.get("id")),
            login_hint=(email or "").split("@")[0],
            first_name=text(raw.get("first_name")),
            last_name=text(raw.get("last_name")),
            email=email,
            email_verified=False,  # Meta does not document that it vouches for the address
            picture_url=picture_url or None,
            raw=dict(raw),
        )


def publish_error(error: Mapping[str, Any], status: int) -> PublishError:
    """A Graph API error object from the feed endpoint as one PublishError."""
    number = text(error.get("code"))
    detail = (
        f"post: HTTP {status} type={text(error.get('type'))!r} code={number!r}"
        f" message={text(error.get('message'))!r}"
    )
    if number in TOKEN_CODES:
        return PublishError(TOKEN, detail)
    if number in DUPLICATE_CODES:
        return PublishError(DUPLICATE, detail)
    if status >= 500:  # it may have failed after publishing
        return PublishError(UNKNOWN, detail)
    if number in TRANSIENT_CODES or error.get("is_transient") is True:
        return PublishError(RETRY, detail)
    return PublishError(REFUSED, detail)


def graph_error(step: str, body: Mapping[str, Any], *, expired_code: bool = False) -> ProviderError:
    """A Graph API error object as one ProviderError (its message goes to the log only)."""
    error = body.get("error")
    details = error if isinstance(error, dict) else {"message": error}
    number = text(details.get("code"))
    kind = text(details.get("type"))
    code = (
        "invalid_grant"
        if expired_code and kind == "OAuthException" and number == "100"
        else "provider_error"
    )
    return ProviderError(
        code,
        f"{step} error type={kind!r} code={number!r} subcode={text(details.get('error_subcode'))!r}"
        f" message={text(details.get('message'))!r}",
        token_refused=number in TOKEN_CODES,
    )
