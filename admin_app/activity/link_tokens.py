"""A linked account's access token, ready to call its service with: refreshed once when
it has expired or was refused, if the service gave a refresh token.

The activity outbox and the hashtag import both call services with a person's token.
X spends a refresh token when it is used (each refresh gives a new one), so two app
processes refreshing one account at once would make one of them fail: the one that fails
looks at the stored tokens again and uses the ones the other stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from admin_app.core import encryption_keys, runtime, token_storage
from models.db import session_scope
from models.linked_accounts import read_tokens
from models.tables import LinkedAccount, utcnow
from providers.activity import TOKEN, PublishError
from providers.base import Provider, ProviderError

T = TypeVar("T")

#: a token this close to its expiry is refreshed before use
EARLY = timedelta(seconds=60)
#: how long a process whose refresh failed waits for one another process may be storing
SETTLE = 1.0

REAUTHORIZE = "reauthorize"  # the person must sign in with the service again
LATER = "later"  # the service is not answering: try again later


class TokenProblem(Exception):
    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class LinkToken:
    link_id: int
    access_token: str
    refresh_token: str | None
    expires_at: datetime | None
    #: the refresh token as stored: changed when another process refreshed meanwhile
    stored_refresh: str | None


def current_token(link_id: int) -> LinkToken:
    """The link's tokens as stored; TokenProblem(REAUTHORIZE) when the link is gone or
    its tokens cannot be decrypted (after reading the key file again: another process
    may have rotated the key)."""
    with session_scope() as session:
        link = session.get(LinkedAccount, link_id)
        if link is None:
            raise TokenProblem(REAUTHORIZE, "the link is gone")
        tokens = read_tokens(runtime.keyring(), link)
        if tokens is None and encryption_keys.reload_keys():
            tokens = read_tokens(runtime.keyring(), link)
        if tokens is None or not tokens.access_token:
            raise TokenProblem(REAUTHORIZE, "no usable access token is stored")
        return LinkToken(
            link_id,
            tokens.access_token,
            tokens.refresh_token,
            link.token_expires_at,
            link.refresh_token,
        )


async def usable_token(provider: Provider, link_id: int, now: datetime | None = None) -> LinkToken:
    """The link's token, refreshed first when it has expired (or is about to)."""
    token = current_token(link_id)
    now = now or utcnow()
    if token.refresh_token and token.expires_at is not None and token.expires_at <= now + EARLY:
        return await refreshed(provider, token)
    return token


async def refreshed(provider: Provider, token: LinkToken) -> LinkToken:
    """New tokens for ``token`` (stored sealed), or TokenProblem saying what to do."""
    if not token.refresh_token:
        raise TokenProblem(REAUTHORIZE, "the service gave no refresh token")
    try:
        tokens = await provider.refresh(token.refresh_token)
    except ProviderError as error:
        for wait in (0.0, SETTLE, SETTLE):  # another process may have refreshed it just now
            await asyncio.sleep(wait)
            again = current_token(token.link_id)
            if again.stored_refresh != token.stored_refresh:
                return again
        # only a refused grant is final; anything else may pass (busy, misconfigured...)
        kind = REAUTHORIZE if error.code == "invalid_grant" else LATER
        raise TokenProblem(kind, f"refresh: {error.detail or error.code}") from None
    with session_scope() as session:
        link = session.get(LinkedAccount, token.link_id)
        if link is None:
            raise TokenProblem(REAUTHORIZE, "the link is gone")
        token_storage.store_link_tokens(session, link, tokens)
        stored = link.refresh_token
    return LinkToken(
        token.link_id, tokens.access_token, tokens.refresh_token, tokens.expires_at, stored
    )


async def with_token(
    provider: Provider, token: LinkToken, call: Callable[[str], Awaitable[T]]
) -> tuple[T, LinkToken]:
    """``call`` with the link's access token; when the service refuses the token, once
    more with refreshed tokens (refused again, its PublishError goes on). Returns the
    answer and the token it was given with."""
    try:
        return await call(token.access_token), token
    except PublishError as error:
        if error.kind != TOKEN or not token.refresh_token:
            raise
    token = await refreshed(provider, token)
    return await call(token.access_token), token
