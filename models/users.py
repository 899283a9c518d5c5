"""Users, groups and memberships, and the rules about them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from models.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
)
from models.tables import Group, Membership, User, table_of, utcnow

ADMINISTRATORS = "administrators"
REGISTERED = "registered"

LOGIN_PATTERN = re.compile(r"^\w[\w.@+-]{2,99}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


MAX_NAME_LENGTH = 100
MAX_EMAIL_LENGTH = 254


class UserDataError(ValueError):
    """A value that cannot be stored; ``code`` is stable for logs and translations."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def check_login(login: str) -> str:
    login = login.strip()
    if not LOGIN_PATTERN.fullmatch(login):
        raise UserDataError(
            "login_invalid",
            "a login has 3 to 100 characters: letters, digits and . _ @ + - (starting with a"
            " letter or digit)",
        )
    return login


def check_email(email: str) -> str:
    email = email.strip()
    if len(email) > MAX_EMAIL_LENGTH or not EMAIL_PATTERN.fullmatch(email):
        raise UserDataError("email_invalid", "not a valid e-mail address")
    return email


def is_valid_email(email: str | None) -> bool:
    return (
        bool(email)
        and len(email or "") <= MAX_EMAIL_LENGTH
        and EMAIL_PATTERN.fullmatch(email or "") is not None
    )


def check_password(password: str) -> str:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise UserDataError(
            "password_length",
            f"a password has {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters",
        )
    return password


def create_user(
    session: Session,
    *,
    login: str,
    email: str | None,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    groups: Sequence[str] = (REGISTERED,),
    email_verified: bool = False,
) -> User:
    """Create a user in the groups named by code; refuses a taken login, or an address
    someone has proven (an unverified one proves nothing, so it takes nothing away)."""
    login = check_login(login)
    email = check_email(email) if email else None
    if password is not None:
        check_password(password)
    # A login may not be anybody's e-mail and the other way round: "login or e-mail" on
    # the sign-in form must name one account only.
    if find_by_login(session, login) is not None or _holds_address(session, login):
        raise UserDataError("login_taken", f"the login '{login}' is already taken")
    if email and (
        find_by_email(session, email) is not None or find_by_login(session, email) is not None
    ):
        raise UserDataError("email_taken", f"the e-mail '{email}' belongs to another user")
    user = User(
        login=login,
        login_lower=login.lower(),
        email=email,
        email_lower=email.lower() if email else None,
        email_verified=bool(email) and email_verified,
        first_name=first_name.strip()[:MAX_NAME_LENGTH],
        last_name=last_name.strip()[:MAX_NAME_LENGTH],
        password_hash=hash_password(password) if password is not None else None,
    )
    session.add(user)
    session.flush()
    for code in groups:
        add_membership(session, user=user, group=get_group_by_code(session, code))
    return user


#: built once, with a bound parameter: ``session.get`` builds its statement anew each
#: time it is not answered from the session, and every returning sign-in asks
_USER = select(User).where(col(User.id) == bindparam("user_id"))


def user_by_id(session: Session, user_id: int) -> User | None:
    """The user with this id (what ``session.get(User, user_id)`` gives)."""
    return session.exec(_USER, params={"user_id": user_id}).first()


@dataclass(frozen=True)
class ReturningUser:
    """What a returning sign-in needs of its user, read as a plain row (the ORM object,
    and flushing its new sign-in time, cost more than the sign-in's SQL)."""

    id: int
    is_active: bool
    email_lower: str | None
    email_verified: bool


_users = table_of(User)
_RETURNING_USER = core_select(
    _users.c.id, _users.c.is_active, _users.c.email_lower, _users.c.email_verified
).where(_users.c.id == bindparam("user_id"))
_SIGNED_IN = (
    update(_users)
    .where(_users.c.id == bindparam("user_id"))
    .values(last_login_at=bindparam("signed_in_at"))
)


def returning_user(session: Session, user_id: int) -> ReturningUser | None:
    row = session.connection().execute(_RETURNING_USER, {"user_id": user_id}).first()
    return ReturningUser(*row) if row is not None else None


def record_returning_sign_in(session: Session, user_id: int) -> None:
    """``record_sign_in`` by the user's id, in one UPDATE."""
    session.connection().execute(_SIGNED_IN, {"user_id": user_id, "signed_in_at": utcnow()})


def find_by_login(session: Session, login: str) -> User | None:
    return session.exec(select(User).where(User.login_lower == login.strip().lower())).first()


def find_by_email(session: Session, email: str) -> User | None:
    """The owner of a verified address (there is at most one), or None."""
    return session.exec(
        select(User).where(User.email_lower == email.strip().lower(), col(User.email_verified))
    ).first()


def _holders(session: Session, email: str, limit: int) -> list[User]:
    query = select(User).where(User.email_lower == email.strip().lower()).order_by(col(User.id))
    return list(session.exec(query.limit(limit)))


def _holds_address(session: Session, email: str) -> bool:
    return bool(_holders(session, email, 1))


def find_by_login_or_email(session: Session, identifier: str) -> User | None:
    """The user whose login, else whose verified e-mail, is ``identifier`` (ignoring
    case); else the one user who gave that address unverified. An address two accounts
    typed without proving it names neither: each signs in with its login."""
    found = find_by_login(session, identifier) or find_by_email(session, identifier)
    if found is not None:
        return found
    holders = _holders(session, identifier, 2)
    return holders[0] if len(holders) == 1 else None


def set_verified_email(session: Session, user: User, email: str) -> None:
    """Make ``email`` the user's proven address (a followed link, a service's word);
    ``email_taken`` when another account proved it first. Other accounts that only typed
    it keep it, unverified."""
    email = check_email(email)
    owner = find_by_email(session, email)
    if (owner is not None and owner.id != user.id) or (
        (holder := find_by_login(session, email)) is not None and holder.id != user.id
    ):
        raise UserDataError("email_taken", f"the e-mail '{email}' belongs to another user")
    user.email, user.email_lower, user.email_verified = email, email.lower(), True
    user.awaiting_email_proof = False
    session.add(user)
    session.flush()


def accept_vouched_address(session: Session, user: User, email: str | None) -> bool:
    """A service vouched (``email_verified``) for ``email``: when that is exactly the
    user's own unverified address, it is proven now, unless another account proved it
    first. Nothing is read unless the addresses match (a returning sign-in asks this)."""
    if not email or not vouches_for_own_address(user.email_lower, user.email_verified, email):
        return False
    owner = find_by_email(session, email)
    if owner is not None and owner.id != user.id:
        return False
    user.email_verified, user.awaiting_email_proof = True, False
    session.add(user)
    return True


def vouches_for_own_address(
    email_lower: str | None, email_verified: bool, vouched: str | None
) -> bool:
    """Whether a vouched address is the user's own, still unverified one (then
    ``accept_vouched_address`` has something to decide)."""
    return bool(
        vouched
        and not email_verified
        and email_lower is not None
        and email_lower == vouched.strip().lower()
    )


def checked_password(user: User | None, password: str) -> str | None:
    """The hash to store for a user with this password (a new one when the hashing
    parameters have been raised since), None for a wrong one; the same work when there is
    no user. This is the slow part (tens of ms): it needs no transaction. Whether the user
    may sign in is not decided here (``admin_app.auth.policy``)."""
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.password_hash:
        return None
    return hash_password(password) if needs_rehash(user.password_hash) else user.password_hash


def password_is_right(session: Session, user: User | None, password: str) -> bool:
    """True for an active user with this password, upgrading the stored hash (the
    profile's check of the current password: a blocked user's is never right)."""
    kept = checked_password(user if user is not None and user.is_active else None, password)
    if kept is None or user is None:
        return False
    if kept != user.password_hash:
        user.password_hash = kept
        session.add(user)
    return True


def record_sign_in(session: Session, user: User, *, at: datetime | None = None) -> None:
    user.last_login_at = at or utcnow()
    session.add(user)


def users_after(session: Session, *, after_id: int = 0, limit: int = 1000) -> list[User]:
    """A page of users in id order (keyset paging: as fast on the last page as the first)."""
    return list(
        session.exec(
            select(User).where(col(User.id) > after_id).order_by(col(User.id)).limit(limit)
        )
    )


def get_group_by_code(session: Session, code: str) -> Group:
    group = session.exec(select(Group).where(Group.code == code)).first()
    if group is None:
        raise LookupError(f"built-in group '{code}' is missing: run 'socialservices db upgrade'")
    return group


def add_membership(session: Session, *, user: User, group: Group) -> None:
    assert user.id is not None and group.id is not None
    if session.get(Membership, (user.id, group.id)) is None:
        session.add(Membership(user_id=user.id, group_id=group.id))
        session.flush()


def group_codes_of(session: Session, user_id: int) -> set[str]:
    rows = session.exec(
        select(Group.code).join(Membership).where(Membership.user_id == user_id)
    ).all()
    return set(rows)


def group_names_by_user(session: Session, user_ids: Sequence[int]) -> dict[int, list[str]]:
    """Group names of many users in one query."""
    names: dict[int, list[str]] = {user_id: [] for user_id in user_ids}
    rows = session.exec(
        select(Membership.user_id, Group.name)
        .join(Group)
        .where(col(Membership.user_id).in_(user_ids))
        .order_by(Group.name)
    )
    for user_id, name in rows:
        names[user_id].append(name)
    return names


def is_administrator(session: Session, user_id: int) -> bool:
    return ADMINISTRATORS in group_codes_of(session, user_id)


def administrator_exists(session: Session) -> bool:
    count = session.exec(
        select(func.count())
        .select_from(Membership)
        .join(Group)
        .join(User)
        .where(Group.code == ADMINISTRATORS, col(User.is_active))
    ).one()
    return count > 0


def count_users(session: Session, *, active_only: bool = False) -> int:
    query = select(func.count()).select_from(User)
    if active_only:
        query = query.where(col(User.is_active))
    return session.exec(query).one()


def count_groups(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Group)).one()


def available_login(session: Session, wanted: str) -> str:
    """``wanted`` made into a valid login nobody has yet (``_2``, ``_3``... appended)."""
    base = re.sub(r"[^\w.@+-]", "_", wanted.strip())[:90] or "user"
    if not base[0].isalnum():
        base = "u" + base
    base = base.ljust(3, "_")
    candidate, number = base, 1
    while find_by_login(session, candidate) or _holds_address(session, candidate):
        number += 1
        candidate = f"{base}_{number}"
    return candidate


def lock_user(session: Session, user_id: int) -> User:
    """The user's row, locked until the transaction ends (PostgreSQL; SQLite's writers take
    turns anyway): changes that count the user's other rows first (the last link, the
    password) then happen one after the other."""
    return session.exec(select(User).where(User.id == user_id).with_for_update()).one()
