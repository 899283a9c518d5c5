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

import html
import re
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

import httpx

from providers.activity import (
    DUPLICATE,
    REFUSED,
    RETRY,
    TOKEN,
    UNKNOWN,
    ExternalPost,
    Published,
    Publisher,
    PublishError,
    RateLimit,
    TimelinePage,
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
    json_object,
    provider_errors,
    text,
)
from providers.http import http_client

USER_FIELDS = "profile_image_url,name,username"
#: ``invalid_request`` descriptions that mean the code cannot be redeemed (any more)
GRANT_PROBLEMS = ("authorization code", "redirect uri", "code verifier", "for the token")
#: what X counts as 23 characters: links, with or without a scheme (anything that looks
#: like a domain is taken for one)
URL = re.compile(r"https?://\S+|\b(?:[\w-]+\.)+[a-z]{2,}\b(?:/\S*)?", re.IGNORECASE)
URL_LENGTH = 23
#: code points X counts once (twitter-text's weights); every other one counts twice
LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
TIMELINE_FIELDS = "created_at"


class Twitter(Provider, Publisher):
    id = "twitter"
    title = N_("X (Twitter)")
    endpoints: ClassVar[Mapping[str, str]] = {
        "authorize_url": "https://x.com/i/oauth2/authorize",
        "token_url": "https://api.x.com/2/oauth2/token",
        # RFC 7009, with the client's HTTP Basic as at the token endpoint; X requires the
        # token_type_hint that the default revocation sends
        "revocation_url": "https://api.x.com/2/oauth2/revoke",
        "api_url": "https://api.x.com/2/users/me",
        "post_url": "https://api.x.com/2/tweets",
        "timeline_url": "https://api.x.com/2/users/{id}/tweets",
    }
    max_length = 280
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
        body = await self.get_json(
            self.endpoint("api_url"), token=tokens.access_token, params={"user.fields": USER_FIELDS}
        )
        if not isinstance(body.get("data"), dict) and body.get("errors"):
            raise ProviderError("provider_error", f"users/me errors={body.get('errors')!r}")
        return body

    def map_profile(self, raw: Mapping[str, Any]) -> ExternalProfile:
        data = raw.get("data")
        user: Mapping[str, Any] = data if isinstance(data, dict) else {}
        username = text(user.get("username"))
        first, _, last = text(user.get("name")).partition(" ")
        return ExternalProfile(
            external_id=identifier(user.get("id")),
            login_hint=username,
            first_name=first.strip(),
            last_name=last.strip(),
            email=None,
            picture_url=text(user.get("profile_image_url")) or None,
            profile_url=f"https://x.com/{username}" if username else None,
            raw=dict(raw),
        )

    # -- activity

    def length(self, text: str) -> int:
        """The length X counts: a link is 23; CJK, emoji and most symbols (even "…")
        count twice."""
        text = unicodedata.normalize("NFC", text)
        # a link X recognises counts 23; one it does not counts its characters: whichever
        # is more, so that a text cut to fit always fits
        links = sum(max(URL_LENGTH, weight(link)) for link in URL.findall(text))
        return links + weight(URL.sub("", text))

    async def publish(self, access_token: str, message: str) -> Published:
        """``POST /2/tweets``; X refuses a repeat of a recent post's text (403)."""
        with publish_errors("post"):
            async with http_client() as http:
                response = await http.post(
                    self.endpoint("post_url"),
                    json={"text": self.shorten(message)},
                    headers={"Authorization": f"Bearer {access_token}"},
                )
            failure = server_error("post", response)
            if failure:
                raise failure
            if response.status_code == 401:
                raise PublishError(TOKEN, "post: HTTP 401")
            body = answer_of(response)
            if response.status_code >= 400:
                detail = text_of(body.get("detail") or body.get("title") or body.get("errors"))
                kind = (
                    DUPLICATE
                    if "duplicate" in detail.lower()
                    # a token without tweet.write: the person must grant it again
                    else TOKEN
                    if response.status_code == 403 and "not permitted" in detail.lower()
                    else REFUSED
                )
                raise PublishError(kind, f"post: HTTP {response.status_code} {detail}")
            data = body.get("data")
            post_id = text(data.get("id")) if isinstance(data, dict) else ""
            if not post_id:
                raise PublishError(UNKNOWN, "post: the answer has no id")
            return Published(post_id, f"https://x.com/i/web/status/{post_id}")

    async def timeline(
        self,
        access_token: str,
        user_id: str,
        username: str,
        *,
        since_id: str | None,
        next_token: str | None = None,
    ) -> TimelinePage:
        """One page of the person's recent posts (``GET /2/users/:id/tweets``), newer than
        ``since_id``; raises ProviderError, or PublishError(TOKEN) for a refused token and
        PublishError(RETRY) with the reset time when the rate limit is spent."""
        # reposts carry someone else's words: never imported under this person's name
        params = {"max_results": "100", "tweet.fields": TIMELINE_FIELDS, "exclude": "retweets"}
        if since_id:
            params["since_id"] = since_id
        else:
            params["max_results"] = "20"  # the first look: recent posts only
        if next_token:
            params["pagination_token"] = next_token
        with provider_errors("timeline"):
            async with http_client() as http:
                response = await http.get(
                    self.endpoint("timeline_url").replace("{id}", user_id),
                    params=params,
                    headers={"Authorization": f"Bearer {access_token}"},
                )
        limit = RateLimit.from_headers(response.headers)
        if response.status_code == 429:
            raise PublishError(RETRY, "timeline: HTTP 429", retry_at=limit.reset_at)
        if response.status_code == 401:
            raise PublishError(TOKEN, "timeline: HTTP 401")
        with provider_errors("timeline"):
            body = json_object(response)
            response.raise_for_status()
        meta = body.get("meta")
        meta = meta if isinstance(meta, dict) else {}
        posts = [
            post_of(item, username)
            for item in body.get("data") or []
            if isinstance(item, dict) and text(item.get("id"))
        ]
        return TimelinePage(
            posts=posts,
            newest_id=text(meta.get("newest_id")) or None,
            next_token=text(meta.get("next_token")) or None,
            rate_limit=limit,
        )


def weight(text: str) -> int:
    """Characters as X counts them: most Latin, Cyrillic and punctuation once, the rest
    (CJK, emoji, many symbols) twice."""
    return sum(1 if any(low <= ord(char) <= high for low, high in LIGHT) else 2 for char in text)


def post_of(item: Mapping[str, Any], username: str) -> ExternalPost:
    """A post as plain text: X sends ``&``, ``<`` and ``>`` as HTML entities."""
    post_id = text(item.get("id"))
    created = text(item.get("created_at"))
    try:
        created_at = datetime.fromisoformat(created.replace("Z", "+00:00")) if created else None
    except ValueError:
        created_at = None
    return ExternalPost(
        id=post_id,
        text=html.unescape(str(item.get("text") or "")),
        url=f"https://x.com/{username or 'i/web'}/status/{post_id}",
        created_at=created_at,
    )


def answer_of(response: httpx.Response) -> dict[str, Any]:
    """The JSON object answered, or an empty one for anything else."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def text_of(value: Any) -> str:
    return text(value) if not isinstance(value, dict | list) else str(value)[:300]
