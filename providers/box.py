"""Box accounts, through a Box Platform App with User Authentication (OAuth 2.0).

Box wants the client's ``client_id`` and ``client_secret`` in the form at its token
endpoint, and reads the profile with the bearer token at ``/2.0/users/me``. Its access
tokens live about an hour; its refresh tokens are single use and rotate (each refresh
answers a new pair and spends the old refresh token), which the base's ``refresh`` keeps.
Unlinking revokes the grant at ``/oauth2/revoke``, RFC 7009 style, with the same client
credentials in the form: Box accepts the access token or the refresh token there.

Box documents no PKCE for this flow, so none is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from providers.base import (
    CLIENT_CREDENTIALS,
    N_,
    ExternalProfile,
    Provider,
    identifier,
    text,
)


class Box(Provider):
    id = "box"
    title = N_("Box")
    endpoints: ClassVar[Mapping[str, str]] = {
        "authorize_url": "https://account.box.com/api/oauth2/authorize",
        "token_url": "https://api.box.com/oauth2/token",
        "api_url": "https://api.box.com/2.0/users/me",
        "revocation_url": "https://api.box.com/oauth2/revoke",
    }
    # No scope parameter: the token carries the scopes ticked in the app's configuration.
    scopes = ()
    token_auth = "client_secret_post"
    https_redirect_only = True  # Box takes http redirect URIs for localhost only
    fields = CLIENT_CREDENTIALS
    help = N_(
        "1. Sign in to the Box Developer Console at https://app.box.com/developers/console "
        '(a free developer account: https://account.box.com/signup/developer) and click "Create '
        'Platform App".\n'
        '2. Choose "Platform App", give it a name and purpose, select "User Authentication '
        '(OAuth 2.0)" and click "Create App".\n'
        '3. On the app\'s "Configuration" tab paste the redirect URI shown below into "OAuth '
        '2.0 Redirect URIs" (https only, except for localhost) and save.\n'
        '4. Copy the "Client ID" and the "Client Secret" from the same tab here.\n\n'
        "In a Box Enterprise, the enterprise's administrator may have to authorise the app in "
        "the Admin Console before its users can sign in.\n\n"
        "Documentation: https://developer.box.com/guides/authentication/oauth2/"
    )

    def map_profile(self, raw: Mapping[str, Any]) -> ExternalProfile:
        login = text(raw.get("login"))  # the address the Box account signs in with
        first, _, last = text(raw.get("name")).partition(" ")
        return ExternalProfile(
            external_id=identifier(raw.get("id")),
            login_hint=login,
            first_name=first.strip(),
            last_name=last.strip(),
            email=login or None,
            email_verified=False,  # Box does not say whether the address was confirmed
            picture_url=text(raw.get("avatar_url")) or None,
            profile_url=None,
            raw=dict(raw),
        )
