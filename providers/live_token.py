"""An access token the service will still take, for calls made long after a sign-in.

Some services revoke a grant only when shown a valid access token (Zoom's
``/oauth/revoke``, Dropbox's ``/2/auth/token/revoke``), and their access tokens live
hours, while a link is unlinked days or months after its last sign-in: the refresh
token renews the access token first.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from providers.base import Provider, TokenSet

#: an access token this close to its expiry is renewed rather than sent
MARGIN = timedelta(seconds=60)


async def live_access_token(provider: Provider, tokens: TokenSet) -> str:
    """``tokens``' access token, or a renewed one when it has expired (or is about to)
    and a refresh token can renew it. A token whose expiry is unknown is sent as it is."""
    expires_at = tokens.expires_at
    if tokens.refresh_token and expires_at is not None and expires_at <= datetime.now(UTC) + MARGIN:
        return (await provider.refresh(tokens.refresh_token)).access_token
    return tokens.access_token
