"""Users, groups and memberships: the rules the rest of the product relies on."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from models.options import DENIED_AUTH, DENIED_LINK, in_denied_group, set_denied_groups
from models.tables import User
from models.users import (
    ADMINISTRATORS,
    REGISTERED,
    UserDataError,
    administrator_exists,
    count_users,
    create_user,
    find_by_email,
    find_by_login_or_email,
    group_codes_of,
    group_names_by_user,
    is_administrator,
    password_is_right,
    set_verified_email,
    users_after,
)


def check_credentials(session: Session, *, identifier: str, password: str) -> User | None:
    """What signing in with a login (or e-mail) and password finds."""
    user = find_by_login_or_email(session, identifier)
    return user if password_is_right(session, user, password) else None


def _create(
    session: Session,
    login: str = "alice",
    email: str | None = "alice@example.org",
    password: str | None = "correct horse",
    **kwargs,
) -> User:  # type: ignore[no-untyped-def]
    user = create_user(session, login=login, email=email, password=password, **kwargs)
    session.commit()
    return user


def test_new_user_is_registered_with_hashed_password(session: Session) -> None:
    user = _create(session)
    assert user.id is not None
    assert group_codes_of(session, user.id) == {REGISTERED}
    assert user.password_hash and user.password_hash.startswith("$argon2id$")
    assert "correct horse" not in user.password_hash
    assert user.created_at.tzinfo is not None


@pytest.mark.parametrize("other_login", ["alice", "ALICE", " Alice "])
def test_logins_are_unique_ignoring_case(session: Session, other_login: str) -> None:
    _create(session)
    with pytest.raises(UserDataError) as error:
        create_user(session, login=other_login, email=None, password=None)
    assert error.value.code == "login_taken"


def test_a_verified_address_is_unique_ignoring_case(session: Session) -> None:
    _create(session, email_verified=True)
    with pytest.raises(UserDataError) as error:
        create_user(session, login="bob", email="ALICE@example.org", password=None)
    assert error.value.code == "email_taken"


def test_an_unverified_address_takes_nothing_from_its_owner(session: Session) -> None:
    """Anyone may type anyone's address; it proves nothing, so it blocks nobody: the
    owner registers with it and proves it, and the typed copies stay unverified."""
    squatter = _create(session, login="mallory", email="alice@example.org")
    alice = _create(session, login="alice", email="Alice@Example.org")
    set_verified_email(session, alice, "Alice@Example.org")
    session.commit()
    session.refresh(squatter)
    assert (alice.email_verified, squatter.email_verified) == (True, False)
    assert find_by_email(session, "ALICE@example.org") == alice
    with pytest.raises(UserDataError) as error:
        set_verified_email(session, squatter, "alice@example.org")
    assert error.value.code == "email_taken"


def test_the_database_keeps_one_owner_per_verified_address(session: Session) -> None:
    """The partial unique index holds even where two writers raced past the check."""
    _create(session, email_verified=True)
    session.add(
        User(
            login="bob",
            login_lower="bob",
            email="alice@example.org",
            email_lower="alice@example.org",
            email_verified=True,
        )
    )
    with pytest.raises(IntegrityError):
        session.flush()


def test_signing_in_by_address_finds_the_verified_owner_or_the_only_holder(
    session: Session,
) -> None:
    carol = _create(session, login="carol", email="carol@example.org")
    assert find_by_login_or_email(session, "carol@example.org") == carol
    _create(session, login="carol2", email="carol@example.org")
    assert find_by_login_or_email(session, "carol@example.org") is None  # two typed it
    set_verified_email(session, carol, "carol@example.org")
    assert find_by_login_or_email(session, "CAROL@example.org") == carol


def test_a_login_may_not_be_an_address_anyone_gave(session: Session) -> None:
    _create(session, login="dave", email="dave@example.org")
    with pytest.raises(UserDataError) as error:
        create_user(session, login="dave@example.org", email=None, password=None)
    assert error.value.code == "login_taken"


@pytest.mark.parametrize(
    ("login", "email", "password", "code"),
    [
        ("ab", None, None, "login_invalid"),
        ("a b c", None, None, "login_invalid"),
        ("-alice", None, None, "login_invalid"),
        ("alice", "not-an-email", None, "email_invalid"),
        ("alice", None, "short", "password_length"),
    ],
)
def test_bad_values_are_refused(session: Session, login, email, password, code) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UserDataError) as error:
        create_user(session, login=login, email=email, password=password)
    assert error.value.code == code
    assert count_users(session) == 0


def test_cyrillic_login_is_allowed(session: Session) -> None:
    user = _create(session, login="иван.петров", email=None)
    assert find_by_login_or_email(session, "ИВАН.ПЕТРОВ") == user


def test_user_without_password_cannot_sign_in_with_any_password(session: Session) -> None:
    _create(session, password=None)
    assert check_credentials(session, identifier="alice", password="") is None
    assert check_credentials(session, identifier="alice", password="anything") is None


def test_credentials_by_login_or_email(session: Session) -> None:
    user = _create(session)
    assert check_credentials(session, identifier="alice", password="correct horse") == user
    assert (
        check_credentials(session, identifier="Alice@Example.org", password="correct horse") == user
    )
    assert check_credentials(session, identifier="alice", password="wrong horse") is None
    assert check_credentials(session, identifier="nobody", password="correct horse") is None


def test_blocked_user_cannot_sign_in(session: Session) -> None:
    user = _create(session)
    user.is_active = False
    session.commit()
    assert check_credentials(session, identifier="alice", password="correct horse") is None


def test_administrators(session: Session) -> None:
    assert not administrator_exists(session)
    plain = _create(session)
    admin = _create(session, login="root", email=None, groups=(ADMINISTRATORS, REGISTERED))
    assert administrator_exists(session)
    assert is_administrator(session, admin.id or 0)
    assert not is_administrator(session, plain.id or 0)
    admin.is_active = False
    session.commit()
    assert not administrator_exists(session)  # a blocked administrator does not count


def test_paging_and_group_names(session: Session) -> None:
    users = [_create(session, login=f"user{n:02d}", email=None) for n in range(25)]
    first = users_after(session, limit=10)
    rest = users_after(session, after_id=first[-1].id or 0, limit=100)
    assert [u.login for u in first + rest] == [u.login for u in users]
    names = group_names_by_user(session, [u.id for u in first if u.id])
    assert set(map(tuple, names.values())) == {("Registered users",)}


def test_a_login_cannot_be_another_users_email_and_back(session: Session) -> None:
    _create(session, login="bob", email="bob@example.org")
    with pytest.raises(UserDataError) as error:
        create_user(session, login="bob@example.org", email=None, password=None)
    assert error.value.code == "login_taken"
    with pytest.raises(UserDataError) as error:
        create_user(session, login="robert", email="BOB", password=None)
    assert error.value.code in {"email_invalid", "email_taken"}
    _create(session, login="carol", email="carol@example.org")
    with pytest.raises(UserDataError) as error:
        create_user(session, login="dave", email="Carol", password=None)
    assert error.value.code == "email_invalid"


def test_membership_of_a_denied_group(session: Session) -> None:
    plain = _create(session, password=None)
    admin = _create(session, login="root", email=None, password=None, groups=(ADMINISTRATORS,))
    assert plain.id is not None and admin.id is not None
    set_denied_groups(session, DENIED_LINK, [REGISTERED])
    session.commit()
    assert in_denied_group(session, plain.id, DENIED_LINK)
    assert not in_denied_group(session, plain.id, DENIED_AUTH)  # another list
    assert not in_denied_group(session, admin.id, DENIED_LINK)  # not a member
