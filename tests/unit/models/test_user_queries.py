"""The administrators' user search (keyset pages, prefixes ignoring case), sessions,
groups and memberships; on SQLite and on PostgreSQL (``make test-pg``)."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from models import auth_sessions
from models.options import DENIED_LINK, denied_group_codes, set_denied_groups
from models.tables import Group, LinkedAccount, Membership, User
from models.user_queries import (
    ACTIVE,
    BLOCKED,
    EMAIL_UNVERIFIED,
    STAGE_EMAIL,
    STAGE_FIRST_NAME,
    STAGE_LAST_NAME,
    STAGE_LOGIN,
    SearchCursor,
    UserFilter,
    UserSearchPage,
    check_group_code,
    create_group,
    delete_group,
    groups_by_user,
    linked_services_by_user,
    list_groups,
    lock_administrators,
    member_group_ids,
    other_active_administrator_exists,
    remove_link,
    rename_group,
    search_users,
    set_memberships,
)
from models.users import ADMINISTRATORS, REGISTERED, UserDataError, create_user, get_group_by_code


def _add(
    session: Session,
    login: str,
    *,
    email: str | None = None,
    first: str = "",
    last: str = "",
    groups: tuple[str, ...] = (REGISTERED,),
) -> User:
    user = create_user(
        session,
        login=login,
        email=email,
        password=None,
        first_name=first,
        last_name=last,
        groups=groups,
    )
    session.commit()
    return user


def _logins(users: list[User]) -> list[str]:
    return [user.login for user in users]


def _all_pages(session: Session, term: str, limit: int, **kwargs: Any) -> list[list[User]]:
    pages, cursor = [], None
    while True:
        page = search_users(session, term, after=cursor, limit=limit, **kwargs)
        pages.append(page.users)
        if page.next_cursor is None:
            return pages
        assert len(pages) < 100, "paging does not end"
        cursor = page.next_cursor


# --------------------------------------------------------------------------- search


def test_empty_term_pages_through_everyone_by_login(session: Session) -> None:
    logins = [f"user{number:02d}" for number in range(60)]
    random.Random(1).shuffle(logins)
    for login in logins:
        _add(session, login)
    pages = _all_pages(session, "", limit=25)
    assert [len(page) for page in pages] == [25, 25, 10]
    assert [user.login for page in pages for user in page] == sorted(logins)


def test_login_and_email_prefixes_ignore_case(session: Session) -> None:
    _add(session, "Alice", email="alice@example.org")
    _add(session, "alfred")
    _add(session, "bob", email="ALpha.Bob@Example.org")
    _add(session, "carol", email="carol@al.example")
    page = search_users(session, "AL")
    # logins first (in login order), then e-mails; a prefix, not a substring
    assert _logins(page.users) == ["alfred", "Alice", "bob"]
    assert page.next_cursor is None
    assert _logins(search_users(session, "alpha.BOB@").users) == ["bob"]
    assert search_users(session, "lice").users == []


def test_names_match_by_first_or_last_name_or_both_ignoring_case(session: Session) -> None:
    _add(session, "uu1", first="Иван", last="Petrov")
    _add(session, "uu2", first="Pyotr", last="Иванов")
    _add(session, "uu3", first="Ivan", last="Smith")
    for term, expected in [
        ("иван", ["uu1", "uu2"]),
        ("ИВАН", ["uu1", "uu2"]),
        ("Ива", ["uu1", "uu2"]),
        ("petr", ["uu1"]),
        ("PETROV", ["uu1"]),
        ("ivan", ["uu3"]),
        ("Иван Petrov", ["uu1"]),
        ("petrov иван", ["uu1"]),
        ("pyotr ИВАНОВ", ["uu2"]),
        ("ivan petrov", []),
        ("van", []),
    ]:
        assert _logins(search_users(session, term).users) == expected, term


def test_like_wildcards_in_the_term_are_plain_characters(session: Session) -> None:
    _add(session, "a_b", first="Ann")
    _add(session, "axb", first="A%n")
    assert _logins(search_users(session, "a_").users) == ["a_b"]
    assert _logins(search_users(session, "A%").users) == ["axb"]
    assert search_users(session, "%").users == []
    assert search_users(session, "_").users == []
    _add(session, "slash", first="A/b")  # the escape character itself
    _add(session, "plain", first="Ab")
    assert _logins(search_users(session, "a/").users) == ["slash"]


def test_a_cursor_kept_from_another_term_ends_the_list(session: Session) -> None:
    _add(session, "kim", first="Kim", last="Lee")
    cursor = SearchCursor(STAGE_LAST_NAME, ("lee", 0))
    assert search_users(session, "", after=cursor) == UserSearchPage([], None)


def test_a_user_matching_several_ways_is_listed_once(session: Session) -> None:
    _add(session, "anna1", email="anna@example.org", first="Anna", last="Annenkova")
    _add(session, "zed", email="anna.z@example.org", first="Anna")
    _add(session, "yan", first="Anna")
    assert _logins(search_users(session, "anna").users) == ["anna1", "zed", "yan"]


def test_keyset_pages_run_through_logins_emails_and_names(session: Session) -> None:
    for number in range(12):
        _add(session, f"max{number:02d}")
        _add(session, f"e{number:02d}", email=f"max.e{number:02d}@example.org")
        _add(session, f"n{number:02d}", first="Maxim")
    _add(session, "other", first="Olga")
    pages = _all_pages(session, "MAX", limit=5)
    assert [len(page) for page in pages] == [5] * 7 + [1]
    found = [user.login for page in pages for user in page]
    assert len(found) == len(set(found)) == 36
    assert found == (
        [f"max{n:02d}" for n in range(12)]
        + [f"e{n:02d}" for n in range(12)]
        + [f"n{n:02d}" for n in range(12)]  # equal names in id order, creation order here
    )
    # the cursor after page 3 sits in the e-mail stage, after page 5 among the names
    cursor = None
    stages = []
    for _ in range(6):
        cursor = search_users(session, "max", after=cursor, limit=5).next_cursor
        assert cursor is not None
        stages.append(cursor.stage)
    assert stages == [STAGE_LOGIN, STAGE_LOGIN, STAGE_EMAIL, STAGE_EMAIL] + [STAGE_FIRST_NAME] * 2


def test_a_full_last_page_says_nothing_more_follows(session: Session) -> None:
    for number in range(10):
        _add(session, f"kim{number}")
    first = search_users(session, "kim", limit=5)
    assert first.next_cursor is not None
    second = search_users(session, "kim", after=first.next_cursor, limit=5)
    assert len(second.users) == 5 and second.next_cursor is None


def test_pages_neither_repeat_nor_skip_when_users_arrive_meanwhile(session: Session) -> None:
    for login in ("bea", "bella", "betty", "bianca"):
        _add(session, login)
    first = search_users(session, "b", limit=2)
    assert _logins(first.users) == ["bea", "bella"]
    _add(session, "baa")  # sorts before the cursor: OFFSET paging would repeat "bella"
    second = search_users(session, "b", after=first.next_cursor, limit=2)
    assert _logins(second.users) == ["betty", "bianca"]


def test_a_renamed_user_is_found_by_the_new_name_only(session: Session) -> None:
    user = _add(session, "uu1", first="Nobody", last="Known")
    user.first_name, user.last_name = "Зоя", "ЁЛКИНА"
    session.add(user)
    session.commit()
    assert _logins(search_users(session, "зо").users) == ["uu1"]
    assert _logins(search_users(session, "ёлк").users) == ["uu1"]
    assert _logins(search_users(session, "ЗОЯ ёлкина").users) == ["uu1"]
    assert search_users(session, "nobody").users == []


def test_name_pages_follow_the_name_index_across_equal_names(session: Session) -> None:
    """Many users share a first name: the keyset key is (name, id), so pages neither
    repeat nor skip among them."""
    _add(session, "pp7", first="Паша")
    for number in range(7):
        _add(session, f"pp{number}", first="Павел")
    _add(session, "pp8", last="Павлов")
    pages = _all_pages(session, "ПА", limit=3)
    assert [len(page) for page in pages] == [3, 3, 3]
    found = [user.login for page in pages for user in page]
    assert found == [f"pp{n}" for n in range(8)] + ["pp8"]  # "павел" < "паша", then last names


def test_sqlite_reads_index_ranges_only(session: Session) -> None:
    """A page is one query, and each of its stages a range of an index (or of the primary
    key), never a scan of the table: EXPLAIN QUERY PLAN on the statements a search runs."""
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's query plans")
    _add(session, "kim", email="kim@example.org", first="Kim")
    statements: list[tuple[str, Any]] = []
    engine = session.get_bind()

    def remember(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", remember)
    try:
        search_users(session, "ki")
        search_users(session, "")
        search_users(session, "k", after=SearchCursor(STAGE_LAST_NAME, ("k", 0)))
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    plans = [
        " | ".join(
            row[-1]
            for row in session.connection().exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, parameters
            )
        )
        for statement, parameters in statements
    ]
    assert len(plans) == 3  # one query per page
    assert "(login_lower>? AND login_lower<?)" in plans[0]
    assert "(email_lower>? AND email_lower<?)" in plans[0]
    assert "ix_users_first_name_lower_id (first_name_lower>? AND first_name_lower<?)" in plans[0]
    assert "ix_users_last_name_lower_id (last_name_lower>? AND last_name_lower<?)" in plans[0]
    assert re.search("USING (COVERING )?INDEX", plans[1])  # everyone, in login order
    assert "ix_users_last_name_lower_id" in plans[2]  # a late page of last names
    for plan in plans:
        assert not re.search(r"SCAN users(?! USING (COVERING )?INDEX)", plan), plan


def test_cursor_from_an_earlier_stage_is_honoured(session: Session) -> None:
    _add(session, "zz1", first="Quinn")
    _add(session, "zz2", first="Quentin")
    page = search_users(session, "qu", after=SearchCursor(STAGE_EMAIL, ("zzz",)))
    assert _logins(page.users) == ["zz2", "zz1"]  # by first name: "quentin" < "quinn"


# ------------------------------------------------------------------------- sessions


def test_end_all_of_one_user(session: Session) -> None:
    alice, bob = _add(session, "alice"), _add(session, "bob")
    assert alice.id is not None and bob.id is not None
    tokens = [auth_sessions.create_active(session, user_id=alice.id) for _ in range(2)]
    bobs = auth_sessions.create_active(session, user_id=bob.id)
    session.commit()
    assert auth_sessions.end_all_of(session, alice.id) == 2
    session.commit()
    assert [auth_sessions.user_of(session, token) for token in tokens] == [None, None]
    assert auth_sessions.user_of(session, bobs) == bob.id


# --------------------------------------------------------------------------- groups


@pytest.mark.parametrize("code", ["", "a", "Editors", "1st", "_x", "ed-itors", "ed itors", "é" * 3])
def test_group_codes_are_slugs(session: Session, code: str) -> None:
    with pytest.raises(UserDataError) as error:
        check_group_code(session, code)
    assert error.value.code == "group_code_invalid"


def test_group_code_length_limits(session: Session) -> None:
    assert check_group_code(session, "e" + "x" * 49) == "e" + "x" * 49
    with pytest.raises(UserDataError):
        check_group_code(session, "e" + "x" * 50)


def test_create_group_checks_code_name_and_description(session: Session) -> None:
    group = create_group(session, code="editors", name=" Editors  of   news ", description=" x ")
    session.commit()
    assert (group.code, group.name, group.description, group.version) == (
        "editors",
        "Editors of news",
        "x",
        1,
    )
    for kwargs, code in [
        ({"code": "editors", "name": "Other"}, "group_code_taken"),
        ({"code": "other", "name": "EDITORS OF NEWS"}, "group_name_taken"),
        ({"code": "other", "name": "administrators"}, "group_name_taken"),
        ({"code": "other", "name": "   "}, "group_name_length"),
        ({"code": "other", "name": "x" * 101}, "group_name_length"),
        ({"code": "other", "name": "Other", "description": "x" * 501}, "group_description_length"),
    ]:
        with pytest.raises(UserDataError) as error:
            create_group(session, **kwargs)
        assert error.value.code == code, kwargs
        session.rollback()
    assert [g.code for g in list_groups(session)] == ["administrators", "editors", "registered"]


def test_rename_keeps_the_code_and_may_change_the_letter_case(session: Session) -> None:
    group = create_group(session, code="editors", name="Editors")
    create_group(session, code="writers", name="Writers")
    session.commit()
    rename_group(session, group, name="EDITORS", description="They edit")
    session.commit()
    assert (group.code, group.name, group.description) == ("editors", "EDITORS", "They edit")
    with pytest.raises(UserDataError) as error:
        rename_group(session, group, name="writers", description="")
    assert error.value.code == "group_name_taken"


def test_built_in_groups_cannot_be_deleted(session: Session) -> None:
    for code in (ADMINISTRATORS, REGISTERED):
        with pytest.raises(UserDataError) as error:
            delete_group(session, get_group_by_code(session, code))
        assert error.value.code == "group_built_in"


def test_deleting_a_group_removes_its_memberships_and_denials(session: Session) -> None:
    group = create_group(session, code="editors", name="Editors")
    alice = _add(session, "alice")
    assert alice.id is not None and group.id is not None
    set_memberships(session, alice.id, member_group_ids(session, alice.id) | {group.id})
    set_denied_groups(session, DENIED_LINK, ["editors"])
    session.commit()
    delete_group(session, group)
    session.commit()
    assert session.exec(select(Group).where(Group.code == "editors")).first() is None
    assert member_group_ids(session, alice.id) == {get_group_by_code(session, REGISTERED).id}
    assert denied_group_codes(session, DENIED_LINK) == []


# ---------------------------------------------------------------------- memberships


def test_set_memberships_adds_and_removes(session: Session) -> None:
    editors = create_group(session, code="editors", name="Editors")
    alice = _add(session, "alice")
    registered = get_group_by_code(session, REGISTERED)
    assert alice.id is not None and editors.id is not None and registered.id is not None
    set_memberships(session, alice.id, {editors.id})
    session.commit()
    assert member_group_ids(session, alice.id) == {editors.id}
    set_memberships(session, alice.id, {editors.id, registered.id})
    session.commit()
    assert member_group_ids(session, alice.id) == {editors.id, registered.id}
    with pytest.raises(LookupError):
        set_memberships(session, alice.id, {editors.id, 9999})
    session.rollback()
    set_memberships(session, alice.id, set())
    session.commit()
    assert session.exec(select(Membership).where(Membership.user_id == alice.id)).all() == []


def test_other_active_administrator(session: Session) -> None:
    root = _add(session, "root", groups=(ADMINISTRATORS, REGISTERED))
    second = _add(session, "second", groups=(ADMINISTRATORS, REGISTERED))
    alice = _add(session, "alice")
    assert root.id and second.id and alice.id
    assert other_active_administrator_exists(session, root.id)
    assert other_active_administrator_exists(session, alice.id)
    second.is_active = False  # a blocked administrator does not count
    session.add(second)
    session.commit()
    assert not other_active_administrator_exists(session, root.id)
    assert other_active_administrator_exists(session, second.id)
    assert lock_administrators(session).code == ADMINISTRATORS
    session.rollback()


# ---------------------------------------------------------------------------- links


def test_remove_link_only_from_its_own_user(session: Session) -> None:
    alice, bob = _add(session, "alice"), _add(session, "bob")
    assert alice.id and bob.id
    link = LinkedAccount(
        user_id=alice.id, service_id="github", provider="github", external_id="42", site_id="s1"
    )
    session.add(link)
    session.commit()
    assert link.id is not None
    assert remove_link(session, user_id=bob.id, link_id=link.id) is None
    removed = remove_link(session, user_id=alice.id, link_id=link.id)
    session.commit()
    assert removed is not None and removed.external_id == "42"
    assert session.get(LinkedAccount, link.id) is None
    assert remove_link(session, user_id=alice.id, link_id=link.id) is None


# -------------------------------------------------------------------------- filters


def test_filters_narrow_every_stage_and_page_alike(session: Session) -> None:
    staff = create_group(session, code="staff", name="Staff")
    assert staff.id is not None
    for number in range(6):
        by_login = _add(session, f"max{number:02d}")
        by_email = _add(session, f"e{number:02d}", email=f"max.e{number:02d}@example.org")
        by_name = _add(session, f"n{number:02d}", first="Maxim")
        if number % 2:  # the odd ones: blocked, in staff, with GitHub linked
            for user in (by_login, by_email, by_name):
                assert user.id is not None
                user.is_active = False
                session.add(Membership(user_id=user.id, group_id=staff.id))
                session.add(
                    LinkedAccount(
                        user_id=user.id,
                        service_id="github",
                        provider="github",
                        external_id=user.login,
                        site_id="s1",
                    )
                )
    session.commit()
    odd = [f"{prefix}{n:02d}" for prefix in ("max", "e", "n") for n in (1, 3, 5)]
    even = [f"{prefix}{n:02d}" for prefix in ("max", "e", "n") for n in (0, 2, 4)]
    for kept in (
        UserFilter(state=BLOCKED),
        UserFilter(group_id=staff.id),
        UserFilter(service_id="github"),
        UserFilter(state=BLOCKED, group_id=staff.id, service_id="github"),
    ):
        pages = _all_pages(session, "max", limit=2, kept=kept)
        assert [user.login for page in pages for user in page] == odd, kept
    pages = _all_pages(session, "max", limit=2, kept=UserFilter(state=ACTIVE))
    assert [user.login for page in pages for user in page] == even
    assert search_users(session, "max", kept=UserFilter(service_id="gitlab")).users == []
    unverified = search_users(session, "", kept=UserFilter(state=EMAIL_UNVERIFIED), limit=50)
    assert _logins(unverified.users) == [f"e{n:02d}" for n in range(6)]  # the others have none


def test_groups_and_linked_services_of_many_users_in_one_go(session: Session) -> None:
    alice, bob = _add(session, "alice"), _add(session, "bob", groups=())
    assert alice.id and bob.id
    for service_id in ("yandex", "github", "github"):
        session.add(
            LinkedAccount(
                user_id=alice.id,
                service_id=service_id,
                provider=service_id,
                external_id=f"{service_id}-{random.random()}",
                site_id="s1",
            )
        )
    session.commit()
    assert linked_services_by_user(session, [alice.id, bob.id]) == {
        alice.id: [("github", "github"), ("yandex", "yandex")],
        bob.id: [],
    }
    groups = groups_by_user(session, [alice.id, bob.id])
    assert [group.code for group in groups[alice.id]] == [REGISTERED] and groups[bob.id] == []
