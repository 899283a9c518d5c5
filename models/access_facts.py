"""A person's facts for the application policy, read in one statement built once (per
database kind) with bound parameters: their group codes and whether one of their groups is
denied sign-in. The provider role asks it at every code, refresh and UserInfo call, where
the two ORM queries it replaces were a sixth of a whole code-flow sign-in; forward auth
reads the same two facts inside its own statement (``models.proxy_access``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Connection, bindparam, exists, func, literal, select

from models.options import DENIED_AUTH
from models.tables import Group, GroupDenial, Membership, User, table_of

_users, _members = table_of(User), table_of(Membership)
_groups, _denials = table_of(Group), table_of(GroupDenial)

#: whether the person of the outer query's ``users`` row is in a group denied sign-in
DENIED = exists().where(
    _members.c.user_id == _users.c.id,
    _denials.c.group_id == _members.c.group_id,
    _denials.c.denial == literal(DENIED_AUTH),
)


def group_codes(dialect: str) -> Any:
    """The outer query's person's group codes joined by commas (codes hold no comma:
    ``[a-z0-9_]``)."""
    codes = _groups.c.code
    joined = func.string_agg(codes, ",") if dialect == "postgresql" else func.group_concat(codes)
    return (
        select(joined)
        .select_from(_members.join(_groups, _groups.c.id == _members.c.group_id))
        .where(_members.c.user_id == _users.c.id)
        .scalar_subquery()
    )


def split_codes(joined: str | None) -> set[str]:
    return set(joined.split(",")) if joined else set()


@cache
def _facts(dialect: str) -> Any:
    return select(group_codes(dialect), DENIED).where(_users.c.id == bindparam("user_id"))


def groups_and_denial(connection: Connection, user_id: int) -> tuple[set[str], bool]:
    """The person's group codes, and whether one of their groups is denied sign-in."""
    row = connection.execute(_facts(connection.dialect.name), {"user_id": user_id}).first()
    if row is None:
        return set(), False
    return split_codes(row[0]), bool(row[1])
