"""Installation-wide options: registration rules and activity sending (single rows)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam
from sqlmodel import Session, col, delete, select

from models.tables import ActivityOptions, Group, GroupDenial, Membership, RegistrationOptions

DENIED_AUTH = "auth"  # "groups denied sign-in through social services"
DENIED_LINK = "link"  # "groups denied linking of social services"


def registration_options(session: Session) -> RegistrationOptions:
    options = session.get(RegistrationOptions, 1)
    if options is None:
        raise LookupError("registration options are missing: run 'socialservices db upgrade'")
    return options


def activity_options(session: Session) -> ActivityOptions:
    options = session.get(ActivityOptions, 1)
    if options is None:
        raise LookupError("activity options are missing: run 'socialservices db upgrade'")
    return options


def denied_group_codes(session: Session, denial: str) -> list[str]:
    return sorted(
        session.exec(select(Group.code).join(GroupDenial).where(GroupDenial.denial == denial))
    )


#: built once, with bound parameters, and run without the ORM (it reads no objects)
_IN_DENIED_GROUP = (
    select(Membership.user_id)
    .join(GroupDenial, col(GroupDenial.group_id) == col(Membership.group_id))
    .where(
        col(Membership.user_id) == bindparam("user_id"),
        col(GroupDenial.denial) == bindparam("denial"),
    )
    .limit(1)
)


def in_denied_group(session: Session, user_id: int, denial: str) -> bool:
    """Whether the user is a member of a group on the ``denial`` list: one query, as a
    returning user's every sign-in asks it."""
    params = {"user_id": user_id, "denial": denial}
    return session.connection().execute(_IN_DENIED_GROUP, params).first() is not None


def set_denied_groups(session: Session, denial: str, group_codes: Sequence[str]) -> None:
    """Replace a denial list; every code must name an existing group (LookupError)."""
    groups = list(session.exec(select(Group).where(col(Group.code).in_(group_codes))))
    missing = set(group_codes) - {group.code for group in groups}
    if missing:
        raise LookupError(f"unknown groups: {', '.join(sorted(missing))}")
    session.exec(delete(GroupDenial).where(col(GroupDenial.denial) == denial))
    for group in groups:
        assert group.id is not None
        session.add(GroupDenial(group_id=group.id, denial=denial))
    session.flush()


def group_codes(session: Session) -> set[str]:
    return set(session.exec(select(Group.code)))
