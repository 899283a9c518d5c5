"""GitHub accounts, through GitHub's OAuth web application flow.

The profile is ``GET /user``; the e-mail is the primary address from ``GET /user/emails``,
and only when GitHub has verified it. The e-mails URL is ``api_url`` + ``/emails``, so an
override of ``api_url`` (GitHub Enterprise Server: ``https://HOST/api/v3/user``, or a test
fake) moves both calls together.

GitHub answers token errors such as ``bad_verification_code`` with HTTP 200 and a JSON
body; they are read before the status code. PKCE (S256) is supported and recommended by
GitHub since July 2025, so it is sent.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from providers.base import (
    CLIENT_CREDENTIALS,
    N_,
    AuthorizationRequest,
    ExternalProfile,
    Provider,
    ProviderError,
    TokenSet,
    identifier,
    provider_errors,
    text,
)
from providers.http import http_client

API_VERSION = "2022-11-28"
#: token errors that mean "this code cannot be used (any more)"
GRANT_ERRORS = frozenset({"bad_verification_code", "redirect_uri_mismatch", "invalid_grant"})


class GitHub(Provider):
    id = "github"
    title = N_("GitHub")
    endpoints: ClassVar[Mapping[str, str]] = {
        "authorize_url": "https://github.com/login/oauth/authorize",
        "token_url": "https://github.com/login/oauth/access_token",
        "api_url": "https://api.github.com/user",
    }
    scopes = ("read:user", "user:email")
    pkce = True
    token_auth = "client_secret_post"
    fields = CLIENT_CREDENTIALS
    help = N_(
        "1. Sign in to GitHub and open Settings → Developer settings → OAuth Apps "
        '(https://github.com/settings/developers), then click "New OAuth App" (for an '
        "organisation: the organisation's Settings → Developer settings → OAuth Apps).\n"
        '2. Enter your site\'s name and address as "Application name" and "Homepage URL".\n'
        '3. Paste the redirect URI shown below into "Authorization callback URL" and click '
        '"Register application".\n'
        '4. Copy the "Client ID" here, then click "Generate a new client secret" and copy the '
        "secret here at once: GitHub shows it only once.\n\n"
        "The e-mail address is taken only when it is the account's primary address and GitHub "
        "has verified it.\n\n"
        "Documentation: https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/"
        "authorizing-oauth-apps"
    )

    def emails_url(self) -> str:
        """The e-mails endpoint, next to the profile one: ``<api_url>/emails``."""
        return self.endpoint("api_url").rstrip("/") + "/emails"

    def token_error(self, body: Mapping[str, Any]) -> ProviderError:
        # GitHub's error names are its own (and come with HTTP 200).
        error = text(body.get("error"))
        return ProviderError(
            "invalid_grant" if error in GRANT_ERRORS else "provider_error",
            f"token error={error!r} description={text(body.get('error_description'))!r}",
        )

    async def fetch_profile(
        self, tokens: TokenSet, request: AuthorizationRequest, callback: Mapping[str, str]
    ) -> dict[str, Any]:
        headers = {
            "Authorization": f"Bearer {tokens.access_token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
        }
        async with http_client() as http:
            user = await self.get_json(self.endpoint("api_url"), headers=headers, http=http)
            emails = await self._emails(http, headers)
        return {**user, "emails": emails}

    async def _emails(self, http: httpx.AsyncClient, headers: dict[str, str]) -> list[Any]:
        response = await http.get(self.emails_url(), headers=headers, params={"per_page": "100"})
        if response.status_code in (403, 404):
            # A GitHub App without the "Email addresses" permission: sign in without e-mail.
            return []
        if response.status_code >= 500:
            response.raise_for_status()
        body = response.json()
        response.raise_for_status()
        if not isinstance(body, list):
            raise ProviderError("malformed_response", "the e-mails answer is not a list")
        return body

    def grant_url(self) -> str:
        """Where the application's grant is deleted, on the REST API beside ``/user``:
        ``<API root>/applications/<client_id>/grant``."""
        root = self.endpoint("api_url").rstrip("/").removesuffix("/user")
        return f"{root}/applications/{quote(self.client_id, safe='')}/grant"

    async def revoke(self, tokens: TokenSet) -> None:
        """GitHub's own method ("Delete an app authorization"): ``DELETE
        /applications/{client_id}/grant`` with the client's id and secret as HTTP Basic
        and the access token in a JSON body deletes the grant and every token of it;
        GitHub answers 204."""
        pair = f"{self.client_id}:{self.client_secret}".encode()
        with provider_errors("revoke"):
            async with http_client() as http:
                response = await http.request(
                    "DELETE",
                    self.grant_url(),
                    json={"access_token": tokens.access_token},
                    headers={
                        "Authorization": "Basic " + base64.b64encode(pair).decode(),
                        "Accept": "application/vnd.github+json",
                        "X-GitHub-Api-Version": API_VERSION,
                    },
                )
            if response.status_code in (200, 204):
                return
            if response.status_code >= 500:
                response.raise_for_status()
            raise ProviderError(
                "provider_error",
                f"revoke: HTTP {response.status_code} {response.text[:200]!r}",
            )

    def map_profile(self, raw: Mapping[str, Any]) -> ExternalProfile:
        emails = raw.get("emails")
        email = next(
            (
                text(item.get("email"))
                for item in (emails if isinstance(emails, list) else [])
                if isinstance(item, dict)
                and item.get("primary") is True
                and item.get("verified") is True
                and text(item.get("email"))
            ),
            None,
        )
        first, _, last = text(raw.get("name")).partition(" ")
        return ExternalProfile(
            external_id=identifier(raw.get("id")),
            login_hint=text(raw.get("login")),
            first_name=first.strip(),
            last_name=last.strip(),
            email=email,
            email_verified=email is not None,
            picture_url=text(raw.get("avatar_url")) or None,
            profile_url=text(raw.get("html_url")) or None,
            raw=dict(raw),
        )
