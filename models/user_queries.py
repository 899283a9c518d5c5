"""The administrators' user directory: searching a million users, groups and memberships.

Search is by prefix, ignoring letter case, and pages by keyset (the last row seen), never
by OFFSET, and never counts the whole result: a page says only whether more follows.
The results come in stages, each read in the order of its own index so that a page costs
a short index range however late it is, and each leaving out the users found before:

1. logins starting with the term (the unique index on ``login_lower``),
2. e-mails starting with it (the unique index on ``email_lower``),
3. first names starting with it (the index on ``first_name_lower, id``),
4. last names starting with it (the index on ``last_name_lower, id``).

A term of two words or more is a name: "first last" (stage 3, the first name's range,
filtered by the last name) or "last first" (stage 4). bench/user_search.py measures
every stage with a million users. An empty term lists every user by login.

Filters (``UserFilter``: state, a group, a linked service) narrow every stage alike; a
filter that keeps few users makes a page read further along the index to fill it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    exists,
    func,
    literal,
    not_,
    true,
    tuple_,
    union_all,
)
from sqlmodel import Session, col, delete, select

from models.tables import ConfiguredService, Group, GroupDenial, LinkedAccount, Membership, User
from models.users import ADMINISTRATORS, REGISTERED, UserDataError

PAGE_SIZE = 25

#: built-in groups: renamed freely, never deleted
BUILT_IN_GROUPS = (ADMINISTRATORS, REGISTERED)
GROUP_CODE_PATTERN = re.compile(r"[a-z][a-z0-9_]{1,49}")
MAX_GROUP_NAME = 100
MAX_GROUP_DESCRIPTION = 500
#: what no group text may hold: control characters (a NUL cannot even be stored on
#: PostgreSQL) and lone surrogates; a description keeps its line breaks
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
_CONTROL_EXCEPT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")

# Every string starting with a prefix sorts below prefix + U+10FFFF, the highest code
# point: in byte order (SQLite, PostgreSQL's C collations) and in ICU collations alike,
# where "increment the last character" is wrong (punctuation is ignored there). The
# range only narrows the index scan; an exact test of the first characters follows, as
# a LIKE: PostgreSQL estimates how many rows a LIKE prefix keeps from its statistics,
# while for any function of the column it guesses 0.5%, and then sorts every row of the
# range instead of reading the index in order up to the page's end (50 times slower
# with a million users).
_HIGHEST = "\U0010ffff"
_LIKE_ESCAPE = "/"

STAGE_LOGIN, STAGE_EMAIL, STAGE_FIRST_NAME, STAGE_LAST_NAME = 0, 1, 2, 3

#: the states a search may be narrowed to ("" for any)
ACTIVE, BLOCKED, EMAIL_UNVERIFIED = "active", "blocked", "email_unverified"
STATES = (ACTIVE, BLOCKED, EMAIL_UNVERIFIED)


@dataclass(frozen=True)
class UserFilter:
    """Which users a search keeps besides its term: a state (one of ``STATES``, "" for
    any), members of ``group_id``, users with an account of ``service_id`` linked."""

    state: str = ""
    group_id: int | None = None
    service_id: str = ""

    @property
    def shape(self) -> tuple[str, bool, bool]:
        """What the query's conditions are (their values are bound apart)."""
        return self.state, self.group_id is not None, bool(self.service_id)

    @property
    def values(self) -> dict[str, Any]:
        return {"filter_group": self.group_id, "filter_service": self.service_id}


ANY_USER = UserFilter()


@cache
def _filter_condition(shape: tuple[str, bool, bool]) -> ColumnElement[bool]:
    state, by_group, by_service = shape
    conditions: list[ColumnElement[bool]] = []
    if state == ACTIVE:
        conditions.append(col(User.is_active).is_(True))
    elif state == BLOCKED:
        conditions.append(col(User.is_active).is_(False))
    elif state == EMAIL_UNVERIFIED:
        conditions.append(and_(col(User.email).is_not(None), col(User.email_verified).is_(False)))
    if by_group:
        conditions.append(
            exists().where(
                col(Membership.user_id) == col(User.id),
                col(Membership.group_id) == bindparam("filter_group"),
            )
        )
    if by_service:
        conditions.append(
            exists().where(
                col(LinkedAccount.user_id) == col(User.id),
                col(LinkedAccount.service_id) == bindparam("filter_service"),
            )
        )
    return and_(true(), *conditions)


@dataclass(frozen=True)
class SearchCursor:
    """Where a page ended: the stage and the key of the last row read in it."""

    stage: int
    key: tuple[Any, ...]


@dataclass(frozen=True)
class UserSearchPage:
    users: list[User]
    #: where the next page starts; None when nothing more matches
    next_cursor: SearchCursor | None


# ------------------------------------------------------------------------- search


def _starts_with(column: Any, name: str) -> ColumnElement[bool]:
    """``column`` starts with the prefix bound as ``name`` (both lower case), as an index
    range; ``_prefix`` gives the values."""
    return and_(
        column >= bindparam(name),
        column < bindparam(f"{name}_high"),
        _like(column, name),
    )


def _like(column: Any, name: str) -> ColumnElement[bool]:
    """The exact test alone: for rows an earlier stage found (read by another index),
    which a shorter condition leaves PostgreSQL less to plan."""
    return column.like(bindparam(f"{name}_like"), escape=_LIKE_ESCAPE)


def _prefix(name: str, prefix: str) -> dict[str, str]:
    pattern = "".join(_LIKE_ESCAPE + c if c in "/%_" else c for c in prefix) + "%"
    return {name: prefix, f"{name}_high": prefix + _HIGHEST, f"{name}_like": pattern}


@dataclass(frozen=True)
class _Stage:
    number: int
    #: the index the stage reads, in order: its values are the stage's keyset key
    key_columns: tuple[Any, ...]
    condition: ColumnElement[bool]

    def key_of(self, user: User) -> tuple[Any, ...]:
        return tuple(getattr(user, column.key) for column in self.key_columns)

    def part(self, *, after: bool, limit: int, kept: ColumnElement[bool]) -> Any:
        """This stage's rows (after the bound ``after_0``, ``after_1`` when ``after``) that
        the filter ``kept`` keeps, in its index's order, as one arm of the search's query:
        with the stage's number and its sort key."""
        query: Any = select(
            col(User.id).label("user_id"),
            literal(self.number).label("stage"),
            self.key_columns[0].label("sort_key"),
            col(User.id).label("sort_id"),
        ).where(self.condition, kept)
        if after:
            bound: list[Any] = [bindparam(f"after_{i}") for i in range(len(self.key_columns))]
            query = query.where(tuple_(*self.key_columns) > tuple_(*bound))
        return query.order_by(*self.key_columns).limit(limit)


#: what a search term is: empty (everyone), one word, or a name of several words
EVERYONE, WORD, NAME = "everyone", "word", "name"


@cache
def _stages(kind: str) -> dict[int, _Stage]:
    """The stages of a kind of term, by number; their values are bound as "word", or as
    "given" and "rest" for a name."""
    login, email = col(User.login_lower), col(User.email_lower)
    first, last, user_id = col(User.first_name_lower), col(User.last_name_lower), col(User.id)
    if kind == EVERYONE:
        stages = [_Stage(STAGE_LOGIN, (login,), true())]
    elif kind == NAME:  # logins and e-mails have no spaces
        first_last = and_(_starts_with(first, "given"), _like(last, "rest"))
        last_first = and_(_starts_with(last, "given"), _like(first, "rest"))
        found_first = and_(_like(first, "given"), _like(last, "rest"))
        stages = [
            _Stage(STAGE_FIRST_NAME, (first, user_id), first_last),
            _Stage(STAGE_LAST_NAME, (last, user_id), and_(last_first, not_(found_first))),
        ]
    else:
        by_login = _like(login, "word")
        by_email = _like(func.coalesce(email, ""), "word")
        by_first = _like(first, "word")
        earlier = not_(by_login)
        stages = [
            _Stage(STAGE_LOGIN, (login,), _starts_with(login, "word")),
            _Stage(STAGE_EMAIL, (email,), and_(_starts_with(email, "word"), earlier)),
            _Stage(
                STAGE_FIRST_NAME,
                (first, user_id),
                and_(_starts_with(first, "word"), earlier, not_(by_email)),
            ),
            _Stage(
                STAGE_LAST_NAME,
                (last, user_id),
                and_(_starts_with(last, "word"), earlier, not_(by_email), not_(by_first)),
            ),
        ]
    return {stage.number: stage for stage in stages}


@lru_cache(maxsize=256)
def _query(kind: str, after_stage: int | None, limit: int, shape: tuple[str, bool, bool]) -> Any:
    """The one query of a page: each remaining stage's index range (an arm of a UNION
    ALL, as a subquery: SQLite takes no ORDER BY or LIMIT in the arms otherwise), then
    the first ``limit`` rows of all, stage by stage, with the users of those ids. Made once per shape and reused with
    new values: building it takes longer than PostgreSQL takes to answer it.

    PostgreSQL still plans it on every call (0.4 to 1.1 ms with a million users, more
    than running it). Its generic plan, made once without the values, is no way out:
    it is the same plan with a million users, but with 20,000 it reads and sorts the
    whole range of a prefix (10 ms against 0.2 for "a"), and a name's ranges in any case."""
    arms = [
        select(
            stage.part(
                after=number == after_stage, limit=limit, kept=_filter_condition(shape)
            ).subquery()
        )
        for number, stage in _stages(kind).items()
        if after_stage is None or number >= after_stage
    ]
    rows = (arms[0] if len(arms) == 1 else union_all(*arms)).subquery("found")
    return (
        select(User, rows.c.stage)
        .join(rows, rows.c.user_id == User.id)
        .order_by(rows.c.stage, rows.c.sort_key, rows.c.sort_id)
        .limit(limit)
    )


def search_users(
    session: Session,
    term: str,
    *,
    after: SearchCursor | None = None,
    limit: int = PAGE_SIZE,
    kept: UserFilter = ANY_USER,
) -> UserSearchPage:
    """One page of the users whose login, e-mail or name starts with ``term``, of those
    the filter ``kept`` keeps.

    ``after`` is the ``next_cursor`` of the page before (None for the first page). One
    row more than the page is read to know whether another page follows.
    """
    words = term.lower().split()
    values: dict[str, Any] = dict(kept.values)
    if not words:
        kind = EVERYONE
    elif len(words) == 1:
        kind = WORD
        values.update(_prefix("word", words[0]))
    else:
        kind = NAME
        values.update(_prefix("given", words[0]) | _prefix("rest", " ".join(words[1:])))
    if after is not None:
        values.update({f"after_{i}": value for i, value in enumerate(after.key)})
    stages = _stages(kind)
    if after is not None and after.stage > max(stages):  # a cursor of another kind of term
        return UserSearchPage([], None)
    query = _query(kind, None if after is None else after.stage, limit + 1, kept.shape)
    found = [(stages[number], user) for user, number in session.exec(query, params=values)]
    if len(found) <= limit:
        return UserSearchPage([user for _, user in found], None)
    last_stage, last_user = found[limit - 1]
    return UserSearchPage(
        [user for _, user in found[:limit]],
        SearchCursor(last_stage.number, last_stage.key_of(last_user)),
    )


# -------------------------------------------------------------------------- groups


def list_groups(session: Session) -> list[Group]:
    """Every group by name (groups are few: no paging)."""
    return list(session.exec(select(Group).order_by(col(Group.name))))


def check_group_code(session: Session, code: str) -> str:
    code = code.strip()
    if not GROUP_CODE_PATTERN.fullmatch(code):
        raise UserDataError(
            "group_code_invalid",
            "a group code has 2 to 50 characters: lower-case letters, digits and _, starting"
            " with a letter",
        )
    if session.exec(select(Group.id).where(Group.code == code)).first() is not None:
        raise UserDataError("group_code_taken", f"the group code '{code}' is taken")
    return code


def check_group_name(session: Session, name: str, *, group_id: int | None = None) -> str:
    """A trimmed name no other group has, ignoring letter case (compared in Python:
    SQLite's lower() leaves non-ASCII letters as they are; groups are few)."""
    name = " ".join(name.split())
    if _CONTROL.search(name):
        raise UserDataError("group_name_invisible", "a group name holds control characters")
    if not 1 <= len(name) <= MAX_GROUP_NAME:
        raise UserDataError("group_name_length", "a group name has 1 to 100 characters")
    if any(
        group.name.casefold() == name.casefold() and group.id != group_id
        for group in list_groups(session)
    ):
        raise UserDataError("group_name_taken", f"the group name '{name}' is taken")
    return name


def check_group_description(description: str) -> str:
    description = description.strip()
    if _CONTROL_EXCEPT_LINES.search(description):
        raise UserDataError(
            "group_description_invisible", "a group description holds control characters"
        )
    if len(description) > MAX_GROUP_DESCRIPTION:
        raise UserDataError(
            "group_description_length", "a group description has at most 500 characters"
        )
    return description


def create_group(session: Session, *, code: str, name: str, description: str = "") -> Group:
    """A new group; raises UserDataError for a bad or taken code or name."""
    group = Group(
        code=check_group_code(session, code),
        name=check_group_name(session, name),
        description=check_group_description(description),
    )
    session.add(group)
    session.flush()
    return group


def rename_group(session: Session, group: Group, *, name: str, description: str) -> None:
    """Change a group's name and description (its code never changes)."""
    group.name = check_group_name(session, name, group_id=group.id)
    group.description = check_group_description(description)
    session.add(group)
    session.flush()


def delete_group(session: Session, group: Group) -> None:
    """Delete a group that is not built in; its memberships and denials go with it."""
    if group.code in BUILT_IN_GROUPS:
        raise UserDataError("group_built_in", f"the group '{group.code}' is built in")
    assert group.id is not None
    # The foreign keys cascade too; said here so that it holds whatever the database.
    session.exec(delete(Membership).where(col(Membership.group_id) == group.id))
    session.exec(delete(GroupDenial).where(col(GroupDenial.group_id) == group.id))
    session.delete(group)
    session.flush()


# --------------------------------------------------------------------- memberships


def member_group_ids(session: Session, user_id: int) -> set[int]:
    return set(session.exec(select(Membership.group_id).where(Membership.user_id == user_id)))


def set_memberships(session: Session, user_id: int, group_ids: Iterable[int]) -> None:
    """Make ``user_id`` a member of exactly ``group_ids`` (LookupError for unknown ones)."""
    wanted = set(group_ids)
    known = (
        set(session.exec(select(Group.id).where(col(Group.id).in_(wanted)))) if wanted else set()
    )
    if missing := wanted - known:
        raise LookupError(f"unknown groups: {sorted(missing)}")
    current = member_group_ids(session, user_id)
    if gone := current - wanted:
        session.exec(
            delete(Membership).where(
                col(Membership.user_id) == user_id, col(Membership.group_id).in_(gone)
            )
        )
    for group_id in sorted(wanted - current):
        session.add(Membership(user_id=user_id, group_id=group_id))
    session.flush()


def lock_administrators(session: Session) -> Group:
    """The administrators group, locked until the transaction ends (PostgreSQL; SQLite's
    writers take turns anyway): of two administrators removing each other at the same
    moment, the second sees the first one's change before deciding."""
    group = session.exec(
        select(Group).where(Group.code == ADMINISTRATORS).with_for_update()
    ).first()
    if group is None:
        raise LookupError("the administrators group is missing: run 'socialservices db upgrade'")
    return group


def other_active_administrator_exists(session: Session, user_id: int) -> bool:
    """Whether an active administrator other than ``user_id`` exists (reads one row)."""
    query = (
        select(Membership.user_id)
        .join(Group, col(Group.id) == col(Membership.group_id))
        .join(User, col(User.id) == col(Membership.user_id))
        .where(Group.code == ADMINISTRATORS, col(User.is_active), Membership.user_id != user_id)
        .limit(1)
    )
    return session.exec(query).first() is not None


# --------------------------------------------------------------------------- links


def linked_services_by_user(
    session: Session, user_ids: Iterable[int]
) -> dict[int, list[tuple[str, str]]]:
    """The services (id, provider) each user has an account of linked, in one query."""
    wanted = list(user_ids)
    services: dict[int, list[tuple[str, str]]] = {user_id: [] for user_id in wanted}
    rows = session.exec(
        select(LinkedAccount.user_id, LinkedAccount.service_id, LinkedAccount.provider)
        .where(col(LinkedAccount.user_id).in_(wanted))
        .distinct()
        .order_by(col(LinkedAccount.service_id))
    )
    for user_id, service_id, provider in rows:
        services[user_id].append((service_id, provider))
    return services


def configured_services(session: Session) -> dict[str, str]:
    """Every service id configured in some scope, with its provider (the "linked service"
    filter's choices: a few rows, where the links are millions)."""
    query = select(ConfiguredService.service_id, ConfiguredService.provider).order_by(
        col(ConfiguredService.service_id)
    )
    return dict(session.exec(query).all())


def groups_by_user(session: Session, user_ids: Iterable[int]) -> dict[int, list[Group]]:
    """The groups of many users in one query, by name."""
    wanted = list(user_ids)
    groups: dict[int, list[Group]] = {user_id: [] for user_id in wanted}
    rows = session.exec(
        select(Membership.user_id, Group)
        .join(Group, col(Group.id) == col(Membership.group_id))
        .where(col(Membership.user_id).in_(wanted))
        .order_by(col(Group.name))
    )
    for user_id, group in rows:
        groups[user_id].append(group)
    return groups


def remove_link(session: Session, *, user_id: int, link_id: int) -> LinkedAccount | None:
    """Delete one of the user's linked accounts; None when it is not (or no longer) there."""
    link = session.get(LinkedAccount, link_id)
    if link is None or link.user_id != user_id:
        return None
    session.delete(link)
    session.flush()
    return link
