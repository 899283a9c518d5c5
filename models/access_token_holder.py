"""What UserInfo reads on every call: one statement, built once (per database kind) with
bound parameters, on a Core connection, as forward auth does (``models.proxy_access``).

From the access token it reads the grant's scopes, the application's groups, the person
with their groups and whether one of them is denied sign-in, their oldest picture, the
site's kind of subject and the installation's pairwise salt: plain rows, where loading the
grant, application, person and site as ORM entities in a session was most of the call.
Nothing is cached between calls: a block or a change of groups bites at the next one.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Connection, Row, bindparam, literal, select

from models.access_facts import DENIED, group_codes
from models.digests import digest
from models.link_pictures import first_picture_of
from models.provider_grants import Kind
from models.tables import (
    Application,
    LinkedAccount,
    ProviderGrant,
    ProviderOptions,
    ProviderToken,
    Site,
    User,
    table_of,
    utcnow,
)

_users, _grants, _tokens = table_of(User), table_of(ProviderGrant), table_of(ProviderToken)
_apps, _sites, _options = table_of(Application), table_of(Site), table_of(ProviderOptions)
_links = table_of(LinkedAccount)


@cache
def _holder(dialect: str) -> Any:
    salt = select(_options.c.pairwise_salt).where(_options.c.id == 1).scalar_subquery()
    return (
        select(
            _grants.c.scope,
            _grants.c.locale,
            _apps.c.everyone,
            _apps.c.allowed_groups,
            _users.c.id.label("user_id"),
            _users.c.is_active,
            _users.c.first_name,
            _users.c.last_name,
            _users.c.login,
            _users.c.email,
            _users.c.email_verified,
            group_codes(dialect).label("group_codes"),
            DENIED.label("in_denied_group"),
            first_picture_of(_users.c.id).scalar_subquery().label("picture"),
            _sites.c.id.label("site_id"),
            _sites.c.subject_type,
            salt.label("pairwise_salt"),
        )
        .select_from(_tokens)
        .join(_grants, _grants.c.id == _tokens.c.grant_id)
        .join(_apps, _apps.c.id == _grants.c.application_id)
        .join(_users, _users.c.id == _grants.c.user_id)
        .join(_sites, _sites.c.id == _apps.c.site_id)
        .where(
            _tokens.c.token_hash == bindparam("token_hash"),
            _tokens.c.kind == literal(Kind.ACCESS.value),
            _tokens.c.expires_at > bindparam("now"),
        )
    )


_SERVICES = select(_links.c.service_id).where(_links.c.user_id == bindparam("user_id")).distinct()


def holder(connection: Connection, token: str) -> Row[Any] | None:
    """The facts of an unexpired access token's grant; None for any other token."""
    if not token:
        return None
    params = {"token_hash": digest(token), "now": utcnow()}
    return connection.execute(_holder(connection.dialect.name), params).first()


def linked_service_ids(connection: Connection, user_id: int) -> set[str]:
    """The services the person linked (the ``linked_services`` scope only)."""
    return set(connection.execute(_SERVICES, {"user_id": user_id}).scalars())
