"""What ``/auth/verify`` reads on every request a reverse proxy passes: two statements,
built once with bound parameters.

The first reads, from the cookie of the application's host, the person, the session it
came from, the application and its site, and whether a linked service vouched for the
person's address; the second the person's groups and whether one of them is denied
sign-in. Nothing is cached between requests: signing out, a block or a change of groups
bites at the very next one, in every process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, literal, select
from sqlmodel import Session

from models.digests import digest
from models.options import DENIED_AUTH
from models.provider_grants import Kind
from models.tables import (
    Application,
    AuthSession,
    Group,
    GroupDenial,
    LinkedAccount,
    Membership,
    ProviderGrant,
    ProviderToken,
    Site,
    User,
    utcnow,
)


def _table(model: Any) -> Any:
    return model.__table__


_users, _sessions, _grants = _table(User), _table(AuthSession), _table(ProviderGrant)
_tokens, _apps, _sites = _table(ProviderToken), _table(Application), _table(Site)
_links, _members, _groups = _table(LinkedAccount), _table(Membership), _table(Group)
_denials = _table(GroupDenial)

_VOUCHED = exists().where(
    _links.c.user_id == _users.c.id,
    _links.c.email_verified.is_(True),
    func.lower(_links.c.email) == func.lower(_users.c.email),
)

_COLUMNS = (
    _users.c.id,
    _users.c.login,
    _users.c.email,
    _users.c.is_active,
    _VOUCHED.label("email_verified"),
    _sessions.c.token_hash,
    _sessions.c.activated_at,
    _sessions.c.last_seen_at,
    _apps.c.id.label("application_id"),
    _apps.c.name.label("application_name"),
    _apps.c.hosts,
    _apps.c.everyone,
    _apps.c.allowed_groups,
    _sites.c.id.label("site_id"),
    _sites.c.subject_type,
)

_BY_PROXY_COOKIE = (
    select(*_COLUMNS)
    .select_from(_tokens)
    .join(_grants, _grants.c.id == _tokens.c.grant_id)
    .join(_users, _users.c.id == _grants.c.user_id)
    .join(_sessions, _sessions.c.token_hash == _grants.c.session_hash)
    .join(_apps, _apps.c.id == _grants.c.application_id)
    .join(_sites, _sites.c.id == _apps.c.site_id)
    .where(
        _tokens.c.token_hash == bindparam("token_hash"),
        _tokens.c.kind == literal(Kind.PROXY.value),
        _tokens.c.expires_at > bindparam("now"),
    )
)

#: the session cookie itself, when a parent domain brings it to the application's host
_BY_SESSION = (
    select(*_COLUMNS)
    .select_from(_sessions)
    .join(_users, _users.c.id == _sessions.c.user_id)
    .join(_apps, _apps.c.id == bindparam("application_id"))
    .join(_sites, _sites.c.id == _apps.c.site_id)
    .where(_sessions.c.token_hash == bindparam("token_hash"))
)

_GROUPS = (
    select(
        _groups.c.code,
        exists()
        .where(and_(_denials.c.group_id == _groups.c.id, _denials.c.denial == literal(DENIED_AUTH)))
        .label("denied"),
    )
    .select_from(_members)
    .join(_groups, _groups.c.id == _members.c.group_id)
    .where(_members.c.user_id == bindparam("user_id"))
)


@dataclass(frozen=True)
class ProxyPass:
    """A proxy cookie's person, session and application, as one row gives them."""

    user_id: int
    login: str
    email: str | None
    is_active: bool
    email_verified: bool
    session_hash: str
    activated_at: datetime | None
    last_seen_at: datetime
    application_id: str
    application_name: str
    hosts: list[str]
    everyone: bool
    allowed_groups: list[str]
    site_id: str
    subject_type: str


def by_proxy_cookie(session: Session, token: str) -> ProxyPass | None:
    """The unexpired proxy cookie's pass, with its session (signed in or not: the caller
    asks ``auth_sessions.is_current``)."""
    if not token:
        return None
    row = session.execute(_BY_PROXY_COOKIE, {"token_hash": digest(token), "now": utcnow()}).first()
    return ProxyPass(*row) if row is not None else None


def by_session_cookie(session: Session, token: str, application_id: str) -> ProxyPass | None:
    """As ``by_proxy_cookie``, for the session token of our own cookie."""
    if not token:
        return None
    params = {"token_hash": digest(token), "application_id": application_id}
    row = session.execute(_BY_SESSION, params).first()
    return ProxyPass(*row) if row is not None else None


def groups_of(session: Session, user_id: int) -> tuple[set[str], bool]:
    """The person's group codes, and whether one of their groups is denied sign-in."""
    rows = session.execute(_GROUPS, {"user_id": user_id}).all()
    return {code for code, _denied in rows}, any(denied for _code, denied in rows)
