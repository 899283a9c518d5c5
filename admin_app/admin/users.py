"""Use cases of the "Users and groups" admin area: find users, block them, unlink their
external accounts, change their groups, and keep the list of groups.

Every read re-checks that the person asking is an administrator, and every change runs in
one ``administrator_action`` (re-checked, audited, one transaction). Forms that edit a row
send back the version they showed, and a change over another version is refused. Two
rules protect the installation from locking itself out: nobody blocks themselves or
leaves the administrators, and the last active administrator stays one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from admin_app.admin.builtin_names import group_name, site_name
from admin_app.auth.admin_access import acting_administrator, administrator_action
from admin_app.core import asking
from admin_app.core.form_problems import FormError, Problems
from admin_app.core.i18n import N_, current_language, translate
from admin_app.core.input_checks import INVISIBLE
from admin_app.profile import grant_revocation
from admin_app.profile.grant_revocation import Revocation
from models import audit, auth_sessions, user_queries
from models.db import read_scope, session_scope
from models.linked_accounts import links_of
from models.tables import Group, Site, User
from models.user_queries import (
    ACTIVE,
    ANY_USER,
    BLOCKED,
    BUILT_IN_GROUPS,
    EMAIL_UNVERIFIED,
    PAGE_SIZE,
    SearchCursor,
    UserFilter,
    configured_services,
    groups_by_user,
    linked_services_by_user,
    list_groups,
    lock_administrators,
    member_group_ids,
    other_active_administrator_exists,
    remove_link,
    search_users,
    set_memberships,
)
from models.users import ADMINISTRATORS, UserDataError, group_codes_of
from models.versions import StaleEditError, claim
from providers import PROVIDERS

__all__ = [
    "ACTIVE",
    "BLOCKED",
    "EMAIL_UNVERIFIED",
    "PAGE_SIZE",
    "SearchCursor",
    "UserFilter",
]

FIELD_MESSAGES = {
    "group_code_invalid": (
        "code",
        N_(
            "A code has 2 to 50 characters: lower-case Latin letters, digits and _, starting"
            " with a letter."
        ),
    ),
    "group_code_taken": ("code", N_("Another group has this code.")),
    "group_name_length": ("name", N_("A group name has 1 to 100 characters.")),
    "group_name_taken": ("name", N_("Another group has this name.")),
    "group_description_length": ("description", N_("A description has at most 500 characters.")),
    "group_name_invisible": ("name", INVISIBLE),
    "group_description_invisible": ("description", INVISIBLE),
    "group_built_in": ("", N_("Built-in groups cannot be deleted.")),
}


class UserAdminError(FormError):
    """A change the rules refuse, changing nothing: at a field of the group form (``code``,
    ``name``, ``description``), or ("") for the action as a whole."""

    @classmethod
    def from_data_error(cls, error: UserDataError) -> UserAdminError:
        field_name, message = FIELD_MESSAGES[error.code]
        return cls.single(field_name, message)


CANNOT_BLOCK_SELF = N_("You cannot block yourself.")
CANNOT_LEAVE_ADMINISTRATORS = N_("You cannot remove yourself from the administrators.")
LAST_ADMINISTRATOR = N_(
    "This is the last active administrator: make another user an administrator first."
)
NO_SUCH_USER = N_("This user does not exist (any more).")
NO_SUCH_LINK = N_("This linked account was unlinked meanwhile.")


class _Unchanged(Exception):
    """Raised inside an action to roll it back (with its audit entry) when nothing changed."""


# ------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class UserLine:
    """A user in the search results, as the table shows them."""

    id: int
    login: str
    name: str
    email: str
    email_verified: bool
    active: bool
    groups: list[str]  # names as shown (built-in ones translated)
    services: list[str]  # the linked services' names as shown
    last_login_at: datetime | None


@dataclass(frozen=True)
class FilterChoices:
    """What the search's filters offer: (value, label as shown) pairs."""

    groups: list[tuple[int, str]]
    services: list[tuple[str, str]]


@dataclass(frozen=True)
class UserSearchResult:
    users: list[UserLine]
    #: give it back to ``find_users`` for the next page; None: nothing more matches
    next_cursor: SearchCursor | None


def _name_of(user: User) -> str:
    return f"{user.first_name} {user.last_name}".strip()


async def find_users(
    term: str, after: SearchCursor | None = None, kept: UserFilter = ANY_USER
) -> UserSearchResult:
    """A page of the users whose login, e-mail or name starts with ``term``, of those the
    filter ``kept`` keeps.

    The query runs in a worker thread: on a slow database (a lock, a cold cache) other
    visitors should not wait for it.
    """
    acting_administrator()
    language = current_language()
    result = await asyncio.to_thread(_find_users, term.strip()[:254], after, kept, language)
    return result if result is not None else UserSearchResult([], None)


def _find_users(
    term: str, after: SearchCursor | None, kept: UserFilter, language: str
) -> UserSearchResult:
    with read_scope() as db_session:
        page = search_users(db_session, term, after=after, kept=kept)
        ids = [user.id for user in page.users if user.id is not None]
        groups = groups_by_user(db_session, ids)
        services = linked_services_by_user(db_session, ids)
        titles = _service_titles(db_session, language)
        lines = [
            UserLine(
                id=user.id,
                login=user.login,
                name=_name_of(user),
                email=user.email or "",
                email_verified=user.email_verified,
                active=user.is_active,
                groups=[group_name(group.code, group.name, language) for group in groups[user.id]],
                services=[
                    titles.get(service_id) or _provider_title(provider, service_id, language)
                    for service_id, provider in services[user.id]
                ],
                last_login_at=user.last_login_at,
            )
            for user in page.users
            if user.id is not None
        ]
    return UserSearchResult(lines, page.next_cursor)


def _service_titles(db_session: Session, language: str) -> dict[str, str]:
    """Each configured service id's name as shown: its provider's title."""
    return {
        service_id: _provider_title(provider, service_id, language)
        for service_id, provider in configured_services(db_session).items()
    }


def _provider_title(provider: str, service_id: str, language: str) -> str:
    known = PROVIDERS.get(provider)
    return translate(known.title, language) if known is not None else service_id


def filter_choices() -> FilterChoices:
    """The groups and the configured services, for the search's filters."""
    acting_administrator()
    language = current_language()
    with session_scope() as db_session:
        return FilterChoices(
            groups=[
                (group.id, group_name(group.code, group.name, language))
                for group in list_groups(db_session)
                if group.id is not None
            ],
            services=sorted(
                _service_titles(db_session, language).items(), key=lambda item: item[1].lower()
            ),
        )


@dataclass(frozen=True)
class GroupLine:
    id: int
    code: str
    name: str  # as stored (what the rename form starts from)
    description: str
    version: int
    built_in: bool
    shown_name: str  # as shown: a built-in group's first name in the reader's language


@dataclass(frozen=True)
class LinkLine:
    id: int
    service_id: str
    provider_title: str  # a message id
    site_id: str
    site_name: str  # as shown (the default site's first name in the reader's language)
    external_id: str
    external_name: str
    email: str
    email_verified: bool
    linked_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True)
class UserDetails:
    """One user as the detail page shows them; ``version`` is the one it was read at."""

    id: int
    login: str
    first_name: str
    last_name: str
    email: str
    #: proved by our link or vouched for by a service (an administrator's address is not)
    email_verified: bool
    active: bool
    created_at: datetime
    last_login_at: datetime | None
    version: int
    group_ids: frozenset[int]
    groups: list[GroupLine]  # every group, for the membership checkboxes
    links: list[LinkLine]

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def _group_line(group: Group) -> GroupLine:
    assert group.id is not None
    return GroupLine(
        group.id,
        group.code,
        group.name,
        group.description,
        group.version,
        group.code in BUILT_IN_GROUPS,
        group_name(group.code, group.name),
    )


def user_details(user_id: int) -> UserDetails | None:
    acting_administrator()
    with session_scope() as db_session:
        user = db_session.get(User, user_id)
        if user is None or user.id is None:
            return None
        sites = {site.id: site.name for site in db_session.exec(select(Site))}
        links = [
            LinkLine(
                id=link.id,
                service_id=link.service_id,
                provider_title=(
                    PROVIDERS[link.provider].title if link.provider in PROVIDERS else link.provider
                ),
                site_id=link.site_id,
                site_name=site_name(sites.get(link.site_id, link.site_id)),
                external_id=link.external_id,
                external_name=f"{link.first_name} {link.last_name}".strip() or link.login_hint,
                email=link.email or "",
                email_verified=link.email_verified,
                linked_at=link.created_at,
                last_used_at=link.last_used_at,
            )
            for link in links_of(db_session, user.id)
            if link.id is not None
        ]
        return UserDetails(
            id=user.id,
            login=user.login,
            first_name=user.first_name,
            last_name=user.last_name,
            email=user.email or "",
            email_verified=user.email_verified,
            active=user.is_active,
            created_at=user.created_at,
            last_login_at=user.last_login_at,
            version=user.version,
            group_ids=frozenset(member_group_ids(db_session, user.id)),
            groups=[_group_line(group) for group in list_groups(db_session)],
            links=links,
        )


def all_groups() -> list[GroupLine]:
    """Every group by name (groups are few: no paging)."""
    acting_administrator()
    with session_scope() as db_session:
        return [_group_line(group) for group in list_groups(db_session)]


# ---------------------------------------------------------------------- user changes


def _user_for_change(db_session: Session, user_id: int, version: int) -> User:
    user = db_session.get(User, user_id)
    if user is None:
        raise UserAdminError.single("", NO_SUCH_USER)
    claim(db_session, user, expected=version)
    return user


def _keeps_an_administrator(db_session: Session, user: User) -> None:
    """Refuse when ``user`` is the last active administrator (called before the change
    that would stop them being one, with the administrators group locked)."""
    assert user.id is not None
    if (
        user.is_active
        and ADMINISTRATORS in group_codes_of(db_session, user.id)
        and not other_active_administrator_exists(db_session, user.id)
    ):
        raise UserAdminError.single("", LAST_ADMINISTRATOR)


def _login_of(user_id: int) -> str:
    """For the audit entry's target (logins never change)."""
    with session_scope() as db_session:
        user = db_session.get(User, user_id)
        if user is None:
            raise UserAdminError.single("", NO_SUCH_USER)
        return user.login


def set_user_active(user_id: int, *, active: bool, version: int) -> None:
    """Block (``active`` False) or unblock a user shown at ``version``.

    Blocking signs the user out everywhere at once. Raises NotAnAdministratorError,
    StaleEditError or UserAdminError, changing nothing then.
    """
    viewer = acting_administrator()
    if not active and viewer.id == user_id:
        raise UserAdminError.single("", CANNOT_BLOCK_SELF)
    details: dict[str, Any] = {}
    action = "user.unblock" if active else "user.block"
    with administrator_action(action, f"user:{_login_of(user_id)}", details) as db_session:
        lock_administrators(db_session)
        user = _user_for_change(db_session, user_id, version)
        if not active:
            _keeps_an_administrator(db_session, user)
            details["sessions_ended"] = auth_sessions.end_all_of(db_session, user_id)
        user.is_active = active
        db_session.add(user)


async def unlink_account(user_id: int, link_id: int) -> Revocation:
    """Remove one external account from a user (they may link it again later), then ask
    its service to forget the grant (``grant_revocation``: the link stays removed
    whatever the service says). What the service said is audited too, when it was asked:
    ``user.revoke`` (it withdrew the access) or ``user.revoke_failed``."""
    viewer = acting_administrator()
    details: dict[str, Any] = {}
    target = f"user:{_login_of(user_id)}"
    with administrator_action("user.unlink", target, details) as db_session:
        link = remove_link(db_session, user_id=user_id, link_id=link_id)
        if link is None:
            raise UserAdminError.single("", NO_SUCH_LINK)
        details.update(service=link.service_id, external_id=link.external_id)
        held = grant_revocation.hold(link)
    revocation = await grant_revocation.revoke_held(held)
    if revocation.outcome in {grant_revocation.REVOKED, grant_revocation.FAILED}:
        with session_scope() as db_session:
            audit.record(
                db_session,
                actor_id=viewer.id,
                actor_login=viewer.login,
                address=asking.client_address(),
                action="user.revoke_failed" if revocation.failed else "user.revoke",
                target=target,
                details=details,
            )
    return revocation


def set_user_groups(user_id: int, group_ids: Iterable[int], *, version: int) -> None:
    """Make the user a member of exactly ``group_ids``, over the form's ``version``.

    Saving an unchanged form writes nothing (and no audit entry).
    """
    viewer = acting_administrator()
    wanted = set(group_ids)
    details: dict[str, Any] = {}
    target = f"user:{_login_of(user_id)}"
    try:
        with administrator_action("user.groups", target, details) as db_session:
            administrators = lock_administrators(db_session)
            user = _user_for_change(db_session, user_id, version)
            codes = {group.id: group.code for group in list_groups(db_session)}
            if not wanted <= codes.keys():
                raise StaleEditError  # a group was deleted since the form was shown
            current = member_group_ids(db_session, user_id)
            if wanted == current:
                raise _Unchanged
            if administrators.id in current - wanted:
                if user_id == viewer.id:
                    raise UserAdminError.single("", CANNOT_LEAVE_ADMINISTRATORS)
                _keeps_an_administrator(db_session, user)
            set_memberships(db_session, user_id, wanted)
            details.update(
                added=sorted(codes[group_id] for group_id in wanted - current),
                removed=sorted(codes[group_id] for group_id in current - wanted),
            )
    except _Unchanged:
        return


# --------------------------------------------------------------------- group changes


def _code_of(group_id: int) -> str:
    """For the audit entry's target (codes never change)."""
    with session_scope() as db_session:
        group = db_session.get(Group, group_id)
        if group is None:
            raise StaleEditError  # deleted since the form was shown
        return group.code


def _group_for_change(db_session: Session, group_id: int, version: int) -> Group:
    group = db_session.get(Group, group_id)
    if group is None:
        raise StaleEditError
    claim(db_session, group, expected=version)
    return group


def _check_group_form(
    db_session: Session,
    *,
    name: str,
    description: str,
    code: str | None = None,
    group_id: int | None = None,
) -> None:
    """Every field's problem at once (UserAdminError), so that each shows by its field."""
    checks: list[Callable[[], object]] = [
        lambda: user_queries.check_group_name(db_session, name, group_id=group_id),
        lambda: user_queries.check_group_description(description),
    ]
    if code is not None:
        checks.insert(0, lambda: user_queries.check_group_code(db_session, code))
    problems = Problems(UserAdminError)
    for check in checks:
        try:
            check()
        except UserDataError as error:
            field_name, message = FIELD_MESSAGES[error.code]
            problems.add(field_name, message)
    problems.raise_any()


def create_group(*, code: str, name: str, description: str = "") -> GroupLine:
    """Raises UserAdminError naming the field for a bad or taken code or name."""
    acting_administrator()
    details: dict[str, Any] = {}
    code = code.strip()
    with administrator_action("group.create", f"group:{code}", details) as db_session:
        _check_group_form(db_session, code=code, name=name, description=description)
        group = user_queries.create_group(db_session, code=code, name=name, description=description)
        details.update(name=group.name, description=group.description)
        return _group_line(group)


def update_group(group_id: int, *, name: str, description: str, version: int) -> GroupLine:
    """Rename a group shown at ``version`` and change its description (never its code)."""
    acting_administrator()
    details: dict[str, Any] = {}
    target = f"group:{_code_of(group_id)}"
    try:
        with administrator_action("group.update", target, details) as db_session:
            group = _group_for_change(db_session, group_id, version)
            before = (group.name, group.description)
            _check_group_form(db_session, name=name, description=description, group_id=group_id)
            user_queries.rename_group(db_session, group, name=name, description=description)
            for field_name, old, new in zip(
                ("name", "description"), before, (group.name, group.description), strict=True
            ):
                if old != new:
                    details[field_name] = new
            if not details:
                raise _Unchanged
            return _group_line(group)
    except _Unchanged:
        return next(line for line in all_groups() if line.id == group_id)


def delete_group(group_id: int, *, version: int) -> None:
    """Delete a group shown at ``version``; its memberships go with it. Built-in groups
    are refused."""
    acting_administrator()
    details: dict[str, Any] = {}
    with administrator_action("group.delete", f"group:{_code_of(group_id)}", details) as db_session:
        group = _group_for_change(db_session, group_id, version)
        details["name"] = group.name
        try:
            user_queries.delete_group(db_session, group)
        except UserDataError as error:
            raise UserAdminError.from_data_error(error) from None
