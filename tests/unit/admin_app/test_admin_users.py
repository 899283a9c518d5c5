"""``/admin/users``: searching users, blocking, unlinking, memberships and groups
(simulated browser), with the rules that keep an installation from locking itself out."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from nicegui import app, ui
from nicegui.testing import User
from sqlmodel import Session, col, select

from admin_app.admin import builtin_names
from admin_app.admin import users as user_admin
from admin_app.admin.users import UserAdminError
from admin_app.auth.admin_access import NotAnAdministratorError
from admin_app.core.i18n import translate
from admin_app.pages.admin import users as admin_users
from models import auth_sessions
from models.db import session_scope
from models.tables import AuditEntry, ConfiguredService, Group, LinkedAccount, Membership
from models.tables import User as UserRow
from models.user_queries import create_group, member_group_ids
from models.users import (
    ADMINISTRATORS,
    REGISTERED,
    add_membership,
    create_user,
    get_group_by_code,
)
from models.versions import StaleEditError
from providers import PROVIDERS
from tests.support.accounts import RETRIES, add_user, sign_in

STALE = "Someone else changed this meanwhile. Reload the page to see their change."
NOT_ADMIN = "Only administrators may do this."


@pytest.fixture
async def admin(user: User) -> User:
    """The simulated browser, with this area's pages declared (once the server lists the
    area among its own, that declaration is the one used)."""
    if not any(getattr(route, "path", None) == admin_users.PATH for route in app.routes):
        admin_users.register()
    return user


async def sign_in_as_root(user: User) -> int:
    root_id = add_user("root", admin=True)
    await sign_in(user, "root", path=f"/login?next={admin_users.PATH}")
    await user.should_see("Users and groups", retries=RETRIES)
    # Opened from the test itself: use cases called directly from here on act as root.
    await user.open(admin_users.PATH)
    return root_id


def quick_user(login: str, **fields: Any) -> int:
    """A user without a password (no hashing: fast)."""
    with session_scope() as session:
        row = create_user(
            session, login=login, email=fields.pop("email", None), password=None, **fields
        )
        assert row.id is not None
        return row.id


def row(user_id: int) -> UserRow:
    with session_scope() as session:
        found = session.get(UserRow, user_id)
        assert found is not None
        return found


def audit_actions() -> list[tuple[str, str, dict[str, Any]]]:
    with session_scope() as session:
        return [
            (entry.action, entry.target, entry.details)
            for entry in session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))
        ]


def group_named(code: str) -> Group | None:
    with session_scope() as session:
        return session.exec(select(Group).where(Group.code == code)).first()


def add_link(
    user_id: int, service_id: str = "github", external_id: str = "42", email: str | None = None
) -> int:
    with session_scope() as session:
        link = LinkedAccount(
            user_id=user_id,
            service_id=service_id,
            provider="github",
            issuer=PROVIDERS["github"].identity_issuer({}),
            external_id=external_id,
            site_id="s1",
            first_name="Alice",
            last_name="Hub",
            email=email,
        )
        session.add(link)
        session.flush()
        assert link.id is not None
        return link.id


def status(user: User) -> str:
    return next(iter(user.find(marker="search-status").elements)).text  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- search


async def test_search_shows_matches_as_one_types(admin: User) -> None:
    await sign_in_as_root(admin)
    quick_user("alice", email="alice@example.org", first_name="Alice")
    quick_user("albert")
    quick_user("bob", email="AL.bob@example.org")
    quick_user("carol", first_name="Alla")
    quick_user("dave", email="dave@al.example", first_name="Val")
    await admin.open(admin_users.PATH)
    await admin.should_see(marker="user-dave")  # everyone, before anything is typed
    admin.find(marker="user-search").type("AL")
    await admin.should_not_see(marker="user-dave")
    for login in ("albert", "alice", "bob", "carol"):  # login, e-mail or name
        await admin.should_see(marker=f"user-{login}")
    await admin.should_not_see(marker="user-root")
    assert status(admin) == "Results 1 to 4."
    admin.find(marker="user-search").clear().type("nobody")
    await admin.should_see("No user matches.")
    await admin.should_not_see(marker="user-alice")


async def test_search_pages_forward_and_back(admin: User) -> None:
    await sign_in_as_root(admin)
    for number in range(30):
        quick_user(f"member{number:02d}")
    quick_user("aaron")  # first of all users, and no "member"
    await admin.open(admin_users.PATH)
    await admin.should_see(marker="user-aaron")
    admin.find(marker="user-search").type("member")
    await admin.should_not_see(marker="user-aaron")
    await admin.should_see(marker="user-member24")
    await admin.should_not_see(marker="user-member25")
    assert status(admin) == "Results 1 to 25; more results follow."
    admin.find(marker="search-next").click()
    await admin.should_see(marker="user-member29")
    await admin.should_not_see(marker="user-member24")
    assert status(admin) == "Results 26 to 30."
    await admin.should_not_see(marker="search-next")
    admin.find(marker="search-previous").click()
    await admin.should_see(marker="user-member00")
    assert status(admin) == "Results 1 to 25; more results follow."


async def test_a_name_finds_the_user_in_any_letter_case(admin: User) -> None:
    await sign_in_as_root(admin)
    for number in range(8):
        quick_user(f"member{number}")
    quick_user("zed", first_name="Зоя", last_name="Ёлкина")
    await admin.open(admin_users.PATH)
    admin.find(marker="user-search").type("ЗОЯ ёлк")
    await admin.should_see("Results 1 to 1.")
    await admin.should_see(marker="user-zed")
    await admin.should_not_see(marker="user-member0")
    await admin.should_not_see(marker="search-next")


async def test_search_results_link_to_the_user(admin: User) -> None:
    await sign_in_as_root(admin)
    alice = quick_user("alice", email="alice@example.org", first_name="Alice", last_name="Liddell")
    await admin.open(admin_users.PATH)
    user_link: Any = admin.find(marker="user-alice").elements.pop()
    # a plain <a>: on click, the simulated user follows only ui.link's href
    await admin.open(user_link.props["href"])
    await admin.should_see(marker="detail-login")
    await admin.should_see("Alice Liddell")
    await admin.should_see("alice@example.org")
    await admin.should_see("Registered users")
    login = next(iter(admin.find(marker="detail-login").elements))
    assert login.text == "alice"  # type: ignore[attr-defined]
    response = await admin.http_client.get(f"/admin/users/{alice + 100}")
    assert response.status_code == 404


# ------------------------------------------------------------------ block / unblock


async def test_block_ends_sessions_at_once_and_unblock(admin: User) -> None:
    await sign_in_as_root(admin)
    alice = quick_user("alice")
    with session_scope() as session:
        token = auth_sessions.create_active(session, user_id=alice)
    await admin.open(f"/admin/users/{alice}")
    admin.find(marker="block-user").click()
    await admin.should_see(marker="unblock-user")
    assert row(alice).is_active is False
    with session_scope() as session:
        assert auth_sessions.user_of(session, token) is None
    admin.find(marker="unblock-user").click()
    await admin.should_see(marker="block-user")
    assert row(alice).is_active is True
    assert [(action, target) for action, target, _ in audit_actions()] == [
        ("user.block", "user:alice"),
        ("user.unblock", "user:alice"),
    ]
    assert audit_actions()[0][2] == {"sessions_ended": 1}


async def test_block_over_a_stale_page_is_refused(admin: User) -> None:
    await sign_in_as_root(admin)
    alice = quick_user("alice")
    await admin.open(f"/admin/users/{alice}")
    with session_scope() as session:  # another administrator changed alice meanwhile
        other = session.get(UserRow, alice)
        assert other is not None
        other.version += 1
    admin.find(marker="block-user").click()
    await admin.should_see(STALE)
    assert row(alice).is_active is True
    assert audit_actions() == []


# -------------------------------------------------------------------------- unlink


async def test_unlink_asks_first_and_is_audited(admin: User) -> None:
    await sign_in_as_root(admin)
    alice = quick_user("alice")
    link_id = add_link(alice)
    add_link(alice, "google", "7")
    await admin.open(f"/admin/users/{alice}")
    await admin.should_see(marker=f"link-{link_id}")
    admin.find(marker=f"unlink-{link_id}").click()
    await admin.should_see("Unlink the GitHub account 'Alice Hub' from alice?", retries=RETRIES)
    with session_scope() as session:
        assert session.get(LinkedAccount, link_id) is not None  # nothing before confirming
    admin.find(marker="unlink-confirm").click()
    await admin.should_not_see(marker=f"link-{link_id}")
    with session_scope() as session:
        assert session.get(LinkedAccount, link_id) is None
        assert len(session.exec(select(LinkedAccount)).all()) == 1
    assert audit_actions() == [
        ("user.unlink", "user:alice", {"service": "github", "external_id": "42"})
    ]


async def test_an_unverified_email_of_a_link_is_shown_as_not_verified(admin: User) -> None:
    await sign_in_as_root(admin)
    alice = quick_user("alice")
    add_link(alice, email="hub@example.org")
    await admin.open(f"/admin/users/{alice}")
    await admin.should_see("hub@example.org (not verified)")


async def test_the_users_own_address_says_whether_it_is_verified(admin: User) -> None:
    await sign_in_as_root(admin)
    alice = quick_user("alice", email="alice@example.org")  # as an administrator sets one
    bob = quick_user("bob", email="bob@example.org", email_verified=True)
    await admin.open(f"/admin/users/{alice}")
    await admin.should_see("alice@example.org (not verified)")
    await admin.open(f"/admin/users/{bob}")
    await admin.should_see("bob@example.org (verified)")


async def test_unlinking_twice_is_refused_plainly(admin: User) -> None:
    await sign_in_as_root(admin)
    alice = quick_user("alice")
    link_id = add_link(alice)
    await user_admin.unlink_account(alice, link_id)
    with pytest.raises(UserAdminError) as error:
        await user_admin.unlink_account(alice, link_id)
    assert error.value.messages() == [user_admin.NO_SUCH_LINK]
    assert len(audit_actions()) == 1


# --------------------------------------------------------------------- memberships


async def test_memberships_are_saved_and_audited(admin: User) -> None:
    await sign_in_as_root(admin)
    alice = quick_user("alice")
    with session_scope() as session:
        create_group(session, code="editors", name="Editors")
    await admin.open(f"/admin/users/{alice}")
    admin.find(marker="member-editors").click()
    admin.find(marker="member-registered").click()
    admin.find(marker="groups-save").click()
    await admin.should_see("The groups are saved.")
    editors, registered = group_named("editors"), group_named(REGISTERED)
    assert editors and registered
    with session_scope() as session:
        assert member_group_ids(session, alice) == {editors.id}
    assert audit_actions() == [
        ("user.groups", "user:alice", {"added": ["editors"], "removed": ["registered"]})
    ]
    assert row(alice).version == 2
    admin.find(marker="groups-save").click()  # unchanged: nothing written
    await admin.should_see("The groups are saved.")
    assert len(audit_actions()) == 1 and row(alice).version == 2


async def test_memberships_over_a_stale_page_are_refused(admin: User) -> None:
    await sign_in_as_root(admin)
    alice = quick_user("alice")
    await admin.open(f"/admin/users/{alice}")
    user_admin.set_user_active(alice, active=False, version=1)  # another tab blocked alice
    admin.find(marker="member-administrators").click()
    admin.find(marker="groups-save").click()
    await admin.should_see(STALE)
    with session_scope() as session:
        assert ADMINISTRATORS not in {
            g.code for g in session.exec(select(Group)) if g.id in member_group_ids(session, alice)
        }


# --------------------------------------------------------------- self-protection


async def test_administrators_cannot_lock_themselves_out(admin: User) -> None:
    root = await sign_in_as_root(admin)
    await admin.open(f"/admin/users/{root}")
    await admin.should_see("You cannot block yourself.")
    await admin.should_not_see(marker="block-user")
    box = next(iter(admin.find(marker="member-administrators").elements))
    assert isinstance(box, ui.checkbox) and not box.enabled and box.value
    # and the server says no even when asked directly, over the right version
    version = row(root).version
    with pytest.raises(UserAdminError) as error:
        user_admin.set_user_active(root, active=False, version=version)
    assert error.value.messages() == [user_admin.CANNOT_BLOCK_SELF]
    registered = get_group_id(REGISTERED)
    with pytest.raises(UserAdminError) as error:
        user_admin.set_user_groups(root, [registered], version=version)
    assert error.value.messages() == [user_admin.CANNOT_LEAVE_ADMINISTRATORS]
    assert row(root).is_active and audit_actions() == []


def get_group_id(code: str) -> int:
    with session_scope() as session:
        group_id = get_group_by_code(session, code).id
        assert group_id is not None
        return group_id


@pytest.fixture
def demote_viewer_first(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Two administrators removing each other at the same moment: the other one's change
    commits just before ours takes the administrators' lock."""
    viewer: list[int] = []
    real_lock = user_admin.lock_administrators

    def other_admin_acts_first(db_session: Session) -> Group:
        with session_scope() as other:
            administrators = get_group_by_code(other, ADMINISTRATORS)
            membership = other.get(Membership, (viewer[0], administrators.id))
            assert membership is not None
            other.delete(membership)
        return real_lock(db_session)

    monkeypatch.setattr(user_admin, "lock_administrators", other_admin_acts_first)
    yield viewer


async def test_the_last_active_administrator_stays(
    admin: User, demote_viewer_first: list[int]
) -> None:
    root = await sign_in_as_root(admin)
    demote_viewer_first.append(root)
    second = add_user("second", admin=True)
    with pytest.raises(UserAdminError) as error:
        user_admin.set_user_active(second, active=False, version=row(second).version)
    assert error.value.messages() == [user_admin.LAST_ADMINISTRATOR]
    assert row(second).is_active
    make_administrator(root)  # as before the race; the next one removes root again
    with pytest.raises(UserAdminError) as error:
        user_admin.set_user_groups(second, [get_group_id(REGISTERED)], version=row(second).version)
    assert error.value.messages() == [user_admin.LAST_ADMINISTRATOR]
    assert ADMINISTRATORS in {code for code in codes_of(second)} and audit_actions() == []


def make_administrator(user_id: int) -> None:
    with session_scope() as session:
        user = session.get(UserRow, user_id)
        assert user is not None
        add_membership(session, user=user, group=get_group_by_code(session, ADMINISTRATORS))


def codes_of(user_id: int) -> set[str]:
    with session_scope() as session:
        ids = member_group_ids(session, user_id)
        return {g.code for g in session.exec(select(Group)) if g.id in ids}


async def test_another_administrator_may_be_removed_while_one_remains(admin: User) -> None:
    await sign_in_as_root(admin)
    second = add_user("second", admin=True)
    user_admin.set_user_groups(second, [get_group_id(REGISTERED)], version=row(second).version)
    assert codes_of(second) == {REGISTERED}
    user_admin.set_user_active(second, active=False, version=row(second).version)
    assert not row(second).is_active


# -------------------------------------------------------------------------- groups


async def test_group_create_shows_each_problem_by_its_field(admin: User) -> None:
    await sign_in_as_root(admin)
    await admin.open(admin_users.PATH)
    admin.find(marker="group-code").type("Bad Code")
    admin.find(marker="group-create").click()
    await admin.should_see(
        "A code has 2 to 50 characters: lower-case Latin letters, digits and _, starting with a"
        " letter."
    )
    await admin.should_see("A group name has 1 to 100 characters.")
    admin.find(marker="group-code").clear().type("editors")
    admin.find(marker="group-name").clear().type("administrators")
    admin.find(marker="group-create").click()
    await admin.should_see("Another group has this name.")
    await admin.should_not_see("A group name has 1 to 100 characters.")
    assert group_named("editors") is None and audit_actions() == []
    admin.find(marker="group-name").clear().type("Editors")
    admin.find(marker="group-description").clear().type("They edit the news")
    admin.find(marker="group-create").click()
    await admin.should_see(marker="group-rename-editors")
    group = group_named("editors")
    assert group and (group.name, group.description) == ("Editors", "They edit the news")
    assert audit_actions() == [
        ("group.create", "group:editors", {"name": "Editors", "description": "They edit the news"})
    ]
    admin.find(marker="group-code").clear().type("editors")
    admin.find(marker="group-name").clear().type("Other")
    admin.find(marker="group-create").click()
    await admin.should_see("Another group has this code.")


async def test_group_rename_and_its_validation(admin: User) -> None:
    await sign_in_as_root(admin)
    with session_scope() as session:
        create_group(session, code="editors", name="Editors")
    await admin.open(admin_users.PATH)
    admin.find(marker="group-rename-editors").click()
    admin.find(marker="rename-name").clear()
    admin.find(marker="rename-save").click()
    await admin.should_see("A group name has 1 to 100 characters.")
    admin.find(marker="rename-name").type("Registered USERS")
    admin.find(marker="rename-save").click()
    await admin.should_see("Another group has this name.")
    admin.find(marker="rename-name").clear().type("Chief editors")
    admin.find(marker="rename-save").click()
    await admin.should_see("Chief editors")
    group = group_named("editors")
    assert group and (group.name, group.version) == ("Chief editors", 2)
    assert audit_actions() == [("group.update", "group:editors", {"name": "Chief editors"})]


async def test_stale_group_rename_is_refused(admin: User) -> None:
    await sign_in_as_root(admin)
    with session_scope() as session:
        group_id = create_group(session, code="editors", name="Editors").id
    assert group_id is not None
    await admin.open(admin_users.PATH)
    admin.find(marker="group-rename-editors").click()
    user_admin.update_group(group_id, name="Theirs", description="", version=1)  # another tab
    admin.find(marker="rename-name").clear().type("Mine")
    admin.find(marker="rename-save").click()
    await admin.should_see(STALE)
    group = group_named("editors")
    assert group and group.name == "Theirs"
    assert [action for action, _, _ in audit_actions()] == ["group.update"]


async def test_group_delete_asks_first_and_built_ins_stay(admin: User) -> None:
    await sign_in_as_root(admin)
    alice = quick_user("alice")
    with session_scope() as session:
        group = create_group(session, code="editors", name="Editors")
        assert group.id is not None
        editors_id = group.id
    user_admin.set_user_groups(alice, [editors_id], version=1)
    await admin.open(admin_users.PATH)
    await admin.should_not_see(marker="group-delete-administrators")
    await admin.should_not_see(marker="group-delete-registered")
    admin.find(marker="group-delete-editors").click()
    await admin.should_see("Delete the group 'Editors'?", retries=RETRIES)
    assert group_named("editors") is not None
    admin.find(marker="delete-confirm").click()
    await admin.should_not_see(marker="group-rename-editors")
    assert group_named("editors") is None
    with session_scope() as session:
        assert member_group_ids(session, alice) == set()
    assert audit_actions()[-1] == ("group.delete", "group:editors", {"name": "Editors"})
    administrators = group_named(ADMINISTRATORS)
    assert administrators and administrators.id
    with pytest.raises(UserAdminError) as error:
        user_admin.delete_group(administrators.id, version=administrators.version)
    assert error.value.messages() == ["Built-in groups cannot be deleted."]
    with pytest.raises(StaleEditError):
        user_admin.delete_group(editors_id, version=1)


# ---------------------------------------------------------------- non-administrators


async def test_non_administrators_get_403(admin: User) -> None:
    alice = add_user("alice")
    await sign_in(admin, "alice")
    await admin.should_see("Login: alice", retries=RETRIES)
    for path in (admin_users.PATH, f"/admin/users/{alice}"):
        response = await admin.http_client.get(path)
        assert response.status_code == 403
        assert "alice@example.org" not in response.text


async def test_actions_of_a_demoted_administrator_are_refused(admin: User) -> None:
    """The page was drawn for an administrator; by the time they click, they are not one."""
    root = await sign_in_as_root(admin)
    alice = quick_user("alice")
    link_id = add_link(alice)
    with session_scope() as session:
        create_group(session, code="editors", name="Editors")
    await admin.open(f"/admin/users/{alice}")
    with session_scope() as session:
        administrators = get_group_by_code(session, ADMINISTRATORS)
        membership = session.get(Membership, (root, administrators.id))
        assert membership is not None
        session.delete(membership)
    admin.find(marker="block-user").click()
    await admin.should_see(NOT_ADMIN)
    admin.find(marker="member-editors").click()
    admin.find(marker="groups-save").click()
    admin.find(marker=f"unlink-{link_id}").click()
    admin.find(marker="unlink-confirm").click()
    assert row(alice).is_active and row(alice).version == 1
    assert codes_of(alice) == {REGISTERED}
    with session_scope() as session:
        assert session.get(LinkedAccount, link_id) is not None
    assert audit_actions() == []
    # every use case, called directly, refuses the same way
    editors = group_named("editors")
    assert editors and editors.id
    for action in (
        lambda: user_admin.set_user_active(alice, active=False, version=1),
        lambda: user_admin.set_user_groups(alice, [], version=1),
        lambda: user_admin.create_group(code="writers", name="Writers"),
        lambda: user_admin.update_group(editors.id, name="X", description="", version=1),
        lambda: user_admin.delete_group(editors.id, version=1),
        lambda: user_admin.user_details(alice),
        user_admin.all_groups,
    ):
        with pytest.raises(NotAnAdministratorError):
            action()
    with pytest.raises(NotAnAdministratorError):
        await user_admin.find_users("al")
    with pytest.raises(NotAnAdministratorError):
        await user_admin.unlink_account(alice, link_id)
    assert group_named("writers") is None and audit_actions() == []


# ------------------------------------------------------------------- the users table


def choose(user: User, marker: str, value: object) -> None:
    """Pick a filter's option as the administrator would."""
    next(iter(user.find(marker=marker).elements)).value = value  # type: ignore[attr-defined]


def cells(user: User, login: str) -> list[str]:
    """The texts of a user's row in the table, cell by cell."""
    (row_element,) = user.find(marker=f"user-row-{login}").elements
    return [
        " ".join(
            text
            for element in cell.descendants(include_self=True)
            if (text := str(getattr(element, "text", "")))
        )
        for cell in row_element
    ]


def is_listed(user: User, login: str) -> bool:
    try:
        user.find(marker=f"user-{login}")
    except AssertionError:
        return False
    return True


def block(user_id: int) -> None:
    with session_scope() as session:
        found = session.get(UserRow, user_id)
        assert found is not None
        found.is_active = False


async def test_the_table_shows_state_groups_services_and_last_sign_in(admin: User) -> None:
    await sign_in_as_root(admin)
    alice = quick_user("alice", email="alice@example.org", first_name="Alice")
    add_link(alice)
    with session_scope() as session:
        alice_row = session.get(UserRow, alice)
        assert alice_row is not None
        add_membership(session, user=alice_row, group=get_group_by_code(session, ADMINISTRATORS))
        alice_row.last_login_at = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    block(quick_user("bob"))
    admin.http_client.cookies.set("tz", "Asia/Vladivostok")  # as the frame's script sets it
    await admin.open(admin_users.PATH)
    await admin.should_see(marker="user-row-alice")
    login, email, state, groups, services, last = cells(admin, "alice")
    assert login == "alice Alice"
    assert email == "alice@example.org not verified"
    assert state == "active"
    assert groups == "Administrators, Registered users"
    assert services == "GitHub"
    assert last == "Mar 1, 2026, 7:30\u202fPM"  # 09:30 UTC in Vladivostok
    assert cells(admin, "bob")[1:] == ["—", "blocked", "Registered users", "—", "never"]


async def test_the_filters_narrow_the_table(admin: User) -> None:
    await sign_in_as_root(admin)
    with session_scope() as session:
        session.add(ConfiguredService(scope="common", service_id="github", provider="github"))
        staff = create_group(session, code="staff", name="Staff")
        assert staff.id is not None
        staff_id = staff.id
    alice = quick_user("alice", email="alice@example.org")
    add_link(alice)
    bob = quick_user("bob")
    block(bob)
    with session_scope() as session:
        session.add(Membership(user_id=bob, group_id=staff_id))
    carol = quick_user("carol", email="carol@example.org")
    with session_scope() as session:
        carol_row = session.get(UserRow, carol)
        assert carol_row is not None
        carol_row.email_verified = True
    await admin.open(admin_users.PATH)
    await admin.should_see(marker="user-carol")

    everyone = {"root", "alice", "bob", "carol"}

    async def shown(marker: str, value: object, expected: set[str]) -> set[str]:
        """The logins listed once the filter is chosen (waiting for the answer)."""
        choose(admin, marker, value)
        listed: set[str] = set()
        for _ in range(RETRIES):
            await asyncio.sleep(0.05)
            listed = {login for login in everyone if is_listed(admin, login)}
            if listed == expected:
                break
        return listed

    assert await shown("filter-state", user_admin.BLOCKED, {"bob"}) == {"bob"}
    unverified = {"root", "alice"}  # carol's is verified, bob has none
    assert await shown("filter-state", user_admin.EMAIL_UNVERIFIED, unverified) == unverified
    assert await shown("filter-state", "", everyone) == everyone
    assert await shown("filter-group", staff_id, {"bob"}) == {"bob"}
    assert await shown("filter-group", 0, everyone) == everyone
    assert await shown("filter-service", "github", {"alice"}) == {"alice"}
    admin.find(marker="user-search").type("c")
    await admin.should_see("No user matches.")


def test_built_in_names_are_shown_translated_until_renamed() -> None:
    assert builtin_names.group_name(ADMINISTRATORS, "Administrators", "en") == "Administrators"
    assert builtin_names.group_name(ADMINISTRATORS, "Admins", "ru") == "Admins"
    assert builtin_names.group_name("staff", "Administrators", "ru") == "Administrators"
    assert builtin_names.site_name("Shop", "ru") == "Shop"
    assert builtin_names.site_name("Default site", "ru") == translate("Default site", "ru")


async def test_built_in_groups_read_in_russian_until_renamed(admin: User) -> None:
    admin.http_client.headers["Accept-Language"] = "ru-RU,ru;q=0.9"
    await sign_in_as_root_in_any_language(admin)
    await admin.should_see("Администраторы", retries=RETRIES)
    await admin.should_see("Зарегистрированные пользователи")
    with session_scope() as session:
        group = get_group_by_code(session, REGISTERED)
        group.name = "Members"
        session.add(group)
    await admin.open(admin_users.PATH)
    await admin.should_see("Members", retries=RETRIES)
    await admin.should_not_see("Зарегистрированные пользователи")


async def sign_in_as_root_in_any_language(user: User) -> None:
    add_user("root", admin=True)
    await sign_in(user, "root", path=f"/login?next={admin_users.PATH}")
    await user.should_see(marker="user-search", retries=RETRIES)
    await user.open(admin_users.PATH)
