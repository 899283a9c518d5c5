"""What ``/auth/verify`` reads on every request a reverse proxy passes: one statement,
built once (per database kind) with bound parameters, on a Core connection.

From the cookie of the application's host it reads the person, their groups and whether
one of them is denied sign-in, whether their address is verified, the
session the cookie came from, the application and its site. Nothing is cached between
requests: signing out, a block or a change of groups bites at the very next one, in
every process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, bindparam, literal, select

from models.access_facts import DENIED, group_codes, split_codes
from models.digests import digest
from models.provider_grants import Kind
from models.tables import (
    Application,
    AuthSession,
    ProviderGrant,
    ProviderToken,
    Site,
    User,
    table_of,
    utcnow,
)

_users, _sessions, _grants = table_of(User), table_of(AuthSession), table_of(ProviderGrant)
_tokens, _apps, _sites = table_of(ProviderToken), table_of(Application), table_of(Site)


def _columns(dialect: str) -> tuple[Any, ...]:
    return (
        _users.c.id,
        _users.c.login,
        _users.c.email,
        _users.c.is_active,
        _users.c.email_verified,
        group_codes(dialect).label("group_codes"),
        DENIED.label("in_denied_group"),
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


@cache
def _by_proxy_cookie(dialect: str) -> Any:
    return (
        select(*_columns(dialect))
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


@cache
def _by_session(dialect: str) -> Any:
    """The session cookie itself, when a parent domain brings it to the application's
    host: the application is the one of the host asked about."""
    return (
        select(*_columns(dialect))
        .select_from(_sessions)
        .join(_users, _users.c.id == _sessions.c.user_id)
        .join(_apps, _apps.c.id == bindparam("application_id"))
        .join(_sites, _sites.c.id == _apps.c.site_id)
        .where(_sessions.c.token_hash == bindparam("token_hash"))
    )


@dataclass(frozen=True)
class ProxyPass:
    """A cookie's person (with their groups), session and application, as one row
    gives them."""

    user_id: int
    login: str
    email: str | None
    is_active: bool
    email_verified: bool
    group_codes: str | None
    in_denied_group: bool
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

    @property
    def groups(self) -> set[str]:
        return split_codes(self.group_codes)


def by_proxy_cookie(connection: Connection, token: str) -> ProxyPass | None:
    """The unexpired proxy cookie's pass, with its session (signed in or not: the caller
    asks ``auth_sessions.is_current``)."""
    if not token:
        return None
    statement = _by_proxy_cookie(connection.dialect.name)
    row = connection.execute(statement, {"token_hash": digest(token), "now": utcnow()}).first()
    return ProxyPass(*row) if row is not None else None


def by_session_cookie(connection: Connection, token: str, application_id: str) -> ProxyPass | None:
    """As ``by_proxy_cookie``, for the session token of our own cookie."""
    if not token:
        return None
    params = {"token_hash": digest(token), "application_id": application_id}
    row = connection.execute(_by_session(connection.dialect.name), params).first()
    return ProxyPass(*row) if row is not None else None
