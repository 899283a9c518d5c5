"""Grants of the provider role and their tokens: codes, access and refresh tokens.

A token is a 256-bit random value shown once to the application; only its digest is
stored. A code and a refresh token are single-use: taking one marks it used in one
UPDATE, so of two requests presenting it only one wins. Presenting a used one again
means it was stolen or replayed, and the whole grant (every token issued from the same
sign-in) is revoked, as RFC 9700 (4.14.2) and OAuth 2.0 (4.1.2) ask.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import bindparam, insert
from sqlmodel import Session, col, delete, select, update

from models import logout_deliveries
from models.digests import digest
from models.tables import (
    Application,
    AuthSession,
    ProviderGrant,
    ProviderToken,
    User,
    table_of,
    utcnow,
)


class Kind(StrEnum):
    CODE = "code"
    ACCESS = "access"
    REFRESH = "refresh"
    #: forward auth: the one-time code that sets the cookie on the application's host...
    PROXY_CODE = "proxy_code"
    #: ...and the value of that cookie
    PROXY = "proxy"


@dataclass(frozen=True)
class Taken:
    """A code or refresh token presented: its grant when it was valid and unused; else
    why not ("unknown", "expired", "reused": the grant is revoked)."""

    grant: ProviderGrant | None
    token: ProviderToken | None = None
    problem: str = ""
    #: the grant's person, read with it (None when they are gone)
    user: User | None = None


# Statements built once with bound parameters: each step of every code-flow sign-in runs
# one of them, and building one anew cost more than running it.
_GRANT_COLUMNS = tuple(ProviderGrant.model_fields)
_INSERT_GRANT = insert(ProviderGrant)
_INSERT_TOKEN = insert(ProviderToken)
_TOKENS = table_of(ProviderToken)
#: on the table, not the ORM entity: the ORM's bulk UPDATE machinery cost more than the
#: statement
_TAKE = (
    update(_TOKENS)
    .where(
        _TOKENS.c.token_hash == bindparam("presented"),
        _TOKENS.c.kind == bindparam("wanted"),
        _TOKENS.c.used_at.is_(None),
    )
    .values(used_at=bindparam("now"))
    .returning(*_TOKENS.c)
)
#: the grant with its person, who is checked next (``session.get`` then finds them loaded)
_GRANT_WITH_USER = (
    select(ProviderGrant, User)
    .outerjoin(User, col(User.id) == col(ProviderGrant.user_id))
    .where(col(ProviderGrant.id) == bindparam("grant_id"))
)
_SESSION_WITH_USER = (
    select(AuthSession, User)
    .outerjoin(User, col(User.id) == col(AuthSession.user_id))
    .where(col(AuthSession.token_hash) == bindparam("token_hash"))
)


def new_grant(
    session: Session,
    *,
    application_id: str,
    user_id: int,
    scope: str,
    nonce: str | None,
    auth_time: datetime,
    session_hash: str,
    locale: str = "",
) -> ProviderGrant:
    """A grant written at once (one INSERT, without the ORM's unit of work: a sign-in's
    every step writes, and that was a tenth of its cost); the returned row is not in
    ``session``."""
    grant = ProviderGrant(
        id=secrets.token_hex(16),
        application_id=application_id,
        user_id=user_id,
        scope=scope,
        nonce=nonce,
        auth_time=auth_time,
        session_hash=session_hash,
        locale=locale,
        created_at=utcnow(),
    )
    session.flush()  # what the session holds first (nothing, mostly: then it costs nothing)
    session.connection().execute(
        _INSERT_GRANT, {column: getattr(grant, column) for column in _GRANT_COLUMNS}
    )
    return grant


def issue(
    session: Session,
    grant: ProviderGrant,
    kind: Kind,
    lifetime: timedelta,
    *,
    redirect_uri: str = "",
    code_challenge: str = "",
) -> str:
    """A new token of ``grant``; the plain value, which is never stored."""
    token = secrets.token_urlsafe(32)
    session.flush()  # its grant may still be pending in the session
    session.connection().execute(
        _INSERT_TOKEN,
        {
            "token_hash": digest(token),
            "grant_id": grant.id,
            "kind": kind.value,
            "expires_at": utcnow() + lifetime,
            "used_at": None,
            "redirect_uri": redirect_uri,
            "code_challenge": code_challenge,
        },
    )
    return token


def take(session: Session, token: str, kind: Kind) -> Taken:
    """Use a code or refresh token once. A used one presented again revokes its grant."""
    if not token:
        return Taken(None, problem="unknown")
    token_hash = digest(token)
    now = utcnow()
    found = (
        session.connection()
        .execute(_TAKE, {"presented": token_hash, "wanted": kind.value, "now": now})
        .first()
    )
    if found is None:  # unknown, or used already: then its grant goes
        used = session.get(ProviderToken, token_hash)
        if used is None or used.kind != kind.value:
            return Taken(None, problem="unknown")
        revoke_grant(session, used.grant_id)
        return Taken(None, problem="reused")
    row = ProviderToken(**found._mapping)
    if row.expires_at <= now:
        return Taken(None, problem="expired")
    found = session.execute(_GRANT_WITH_USER, {"grant_id": row.grant_id}).first()
    grant, user = found if found is not None else (None, None)
    return Taken(grant, row, user=user)


def load_session_with_user(session: Session, token: str) -> tuple[object, ...]:
    """The sign-in session of ``token`` and its person in one read, loaded into
    ``session``: the authorization's ``auth_sessions.active`` and ``session.get`` of the
    person then find them there instead of reading each. The caller keeps what this
    returns while it uses them (the session holds loaded rows only while referenced)."""
    if not token:
        return ()
    found = session.execute(_SESSION_WITH_USER, {"token_hash": digest(token)}).first()
    return tuple(found) if found is not None else ()


def token_of(session: Session, token: str) -> ProviderToken | None:
    return session.get(ProviderToken, digest(token)) if token else None


def revoke_grant(session: Session, grant_id: str) -> None:
    session.exec(delete(ProviderGrant).where(col(ProviderGrant.id) == grant_id))


def revoke_token(session: Session, row: ProviderToken) -> None:
    """RFC 7009: a refresh token takes its grant with it; an access token goes alone."""
    if row.kind == Kind.REFRESH.value:
        revoke_grant(session, row.grant_id)
    else:
        session.exec(delete(ProviderToken).where(col(ProviderToken.token_hash) == row.token_hash))


def end_grants_of_sessions(session: Session, session_hashes: Sequence[str]) -> int:
    """Signing out ends what the sessions signed in to: the grants made from them, with a
    back-channel logout queued for each application that asked for one."""
    hashes = [value for value in session_hashes if value]
    if not hashes:
        return 0
    logout_deliveries.queue_for_sessions(session, hashes)
    result = session.exec(delete(ProviderGrant).where(col(ProviderGrant.session_hash).in_(hashes)))
    return int(result.rowcount or 0)


def purge_expired(session: Session, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` tokens that expired before ``before``, then grants left
    with no token at all; how many tokens."""
    oldest = (
        select(ProviderToken.token_hash)
        .where(col(ProviderToken.expires_at) < before)
        .order_by(col(ProviderToken.expires_at))
        .limit(limit)
    )
    result = session.exec(delete(ProviderToken).where(col(ProviderToken.token_hash).in_(oldest)))
    empty = select(ProviderGrant.id).where(
        ~select(ProviderToken.token_hash)
        .where(ProviderToken.grant_id == ProviderGrant.id)
        .exists(),
        col(ProviderGrant.created_at) < before,
    )
    session.exec(delete(ProviderGrant).where(col(ProviderGrant.id).in_(empty)))
    return int(result.rowcount or 0)


def applications_of_sessions(
    session: Session, session_hashes: Sequence[str]
) -> dict[str, list[str]]:
    """The names of the applications each session signed in to (by the session's digest),
    for the person's list of their sessions; a session with none is left out."""
    hashes = [value for value in session_hashes if value]
    if not hashes:
        return {}
    rows = session.exec(
        select(ProviderGrant.session_hash, Application.name)
        .join(Application, col(Application.id) == col(ProviderGrant.application_id))
        .where(col(ProviderGrant.session_hash).in_(hashes))
        .distinct()
        .order_by(col(Application.name))
    ).all()
    names: dict[str, list[str]] = {}
    for session_hash, name in rows:
        names.setdefault(session_hash, []).append(name)
    return names
