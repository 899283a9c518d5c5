"""A linked account's access token, ready to call its service with: refreshed once when
it has expired or was refused, if the service gave a refresh token.

The activity outbox and the hashtag import call services with a person's token, and
unlinking tells the service to forget the grant with it. A service says it refused the
token in its own words (a publisher's ``PublishError`` of kind ``TOKEN``; any provider's
``ProviderError`` with ``token_refused``: an API's HTTP 401, Odnoklassniki's error 102),
and the call is made once more with refreshed tokens, whatever the service.
X spends a refresh token when it is used (each refresh gives a new one), so two app
processes refreshing one account at once would make one of them fail: the one that fails
looks at the stored tokens again and uses the ones the other stored.

A link being removed has its tokens read first (``held_token``): refreshed for the last
call, they are used and not stored, since there is no link to store them in.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
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
    #: None: the link is being removed, and refreshed tokens are not stored
    link_id: int | None
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
        token = _read(link)
        if token is None:
            raise TokenProblem(REAUTHORIZE, "no usable access token is stored")
        return token


def held_token(link: LinkedAccount) -> LinkToken | None:
    """The tokens of a link about to be removed, read in the transaction that removes it;
    None when it holds none that could be used."""
    token = _read(link)
    return replace(token, link_id=None) if token is not None else None


def _read(link: LinkedAccount) -> LinkToken | None:
    tokens = read_tokens(runtime.keyring(), link)
    if tokens is None and encryption_keys.reload_keys():
        tokens = read_tokens(runtime.keyring(), link)
    if tokens is None or not tokens.access_token:
        return None
    return LinkToken(
        link.id,
        tokens.access_token,
        tokens.refresh_token,
        link.token_expires_at,
        link.refresh_token,
    )


async def usable_token(provider: Provider, link_id: int, now: datetime | None = None) -> LinkToken:
    """The link's token, refreshed first when it has expired (or is about to)."""
    return await fresh(provider, current_token(link_id), now)


async def fresh(provider: Provider, token: LinkToken, now: datetime | None = None) -> LinkToken:
    """``token``, or refreshed tokens when it has expired (or is about to) and can be."""
    now = now or utcnow()
    if token.refresh_token and token.expires_at is not None and token.expires_at <= now + EARLY:
        return await refreshed(provider, token)
    return token


async def refreshed(provider: Provider, token: LinkToken) -> LinkToken:
    """New tokens for ``token`` (stored sealed, while the link is there), or TokenProblem
    saying what to do."""
    if not token.refresh_token:
        raise TokenProblem(REAUTHORIZE, "the service gave no refresh token")
    try:
        tokens = await provider.refresh(token.refresh_token)
    except ProviderError as error:
        if token.link_id is None:  # a link being removed: nobody else refreshes it
            raise _problem(error) from None
        for wait in (0.0, SETTLE, SETTLE):  # another process may have refreshed it just now
            await asyncio.sleep(wait)
            again = current_token(token.link_id)
            if again.stored_refresh != token.stored_refresh:
                return again
        raise _problem(error) from None
    if token.link_id is None:
        return LinkToken(None, tokens.access_token, tokens.refresh_token, tokens.expires_at, None)
    with session_scope() as session:
        link = session.get(LinkedAccount, token.link_id)
        if link is None:
            raise TokenProblem(REAUTHORIZE, "the link is gone")
        token_storage.store_link_tokens(session, link, tokens)
        stored = link.refresh_token
    return LinkToken(
        token.link_id, tokens.access_token, tokens.refresh_token, tokens.expires_at, stored
    )


def _problem(error: ProviderError) -> TokenProblem:
    """What a failed refresh asks for: only a refused grant is final; anything else may
    pass (busy, misconfigured...)."""
    kind = REAUTHORIZE if error.code == "invalid_grant" else LATER
    return TokenProblem(kind, f"refresh: {error.detail or error.code}")


def token_refused(error: Exception) -> bool:
    """Whether the service refused the access token itself, which a refresh may cure."""
    if isinstance(error, PublishError):
        return error.kind == TOKEN
    return isinstance(error, ProviderError) and error.token_refused


async def with_token(
    provider: Provider, token: LinkToken, call: Callable[[str], Awaitable[T]]
) -> tuple[T, LinkToken]:
    """``call`` with the link's access token; when the service refuses the token, once
    more with refreshed tokens (refused again, its error goes on). Returns the answer and
    the token it was given with."""
    return await with_tokens(provider, token, lambda given: call(given.access_token))


async def with_tokens(
    provider: Provider, token: LinkToken, call: Callable[[LinkToken], Awaitable[T]]
) -> tuple[T, LinkToken]:
    """``with_token`` for a call that needs the refresh token too (revoking a grant)."""
    try:
        return await call(token), token
    except (PublishError, ProviderError) as error:
        if not token_refused(error) or not token.refresh_token:
            raise
    token = await refreshed(provider, token)
    return await call(token), token
