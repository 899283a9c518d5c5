"""Registration rules, activity and encryption status in the dashboard (simulated browser)."""

from __future__ import annotations

from typing import Any

import pytest
from nicegui.testing import User
from sqlmodel import col, delete

from admin_app.activity.feed import delivery_notes
from admin_app.admin.rules import (
    ActivitySettings,
    RegistrationRules,
    RuleFormError,
    activity_settings,
    normalise_hashtag,
    registration_rules,
    save_activity,
    save_registration,
)
from admin_app.auth.admin_access import NotAnAdministratorError
from admin_app.core import startup
from admin_app.core.settings import load_settings
from admin_app.pages.admin import activity as admin_activity
from admin_app.pages.admin import encryption as admin_encryption
from admin_app.pages.admin import registration as admin_registration
from models import audit
from models.db import session_scope
from models.options import activity_options, registration_options
from models.tables import AuditEntry, Group, Membership
from models.users import ADMINISTRATORS, get_group_by_code
from models.versions import claim
from tests.support.accounts import RETRIES, add_user, sign_in
from tests.support.activity_setup import link, write_post

STALE = "Someone else changed this meanwhile. Reload the page to see their change."
NOT_ADMIN = "Only administrators may do this."


# ------------------------------------------------------------------------ helpers


async def open_as_administrator(user: User, path: str, login: str = "root") -> int:
    """Register the three areas (the server wires them in later), sign in, open ``path``."""
    for area in (admin_registration, admin_activity, admin_encryption):
        area.register()
    user_id = add_user(login, admin=True)
    await sign_in(user, login)
    await user.should_see(marker="signed-in-user", retries=RETRIES)
    await user.open(path)
    return user_id


def element(user: User, marker: str) -> Any:
    return user.find(marker=marker).elements.pop()


def audit_entries() -> list[AuditEntry]:
    with session_scope() as db_session:
        return list(reversed(audit.entries(db_session)))


def add_group(code: str, name: str) -> None:
    with session_scope() as db_session:
        db_session.add(Group(code=code, name=name))


def demote(user_id: int) -> None:
    """Someone removes this administrator from the administrators group meanwhile."""
    with session_scope() as db_session:
        group = get_group_by_code(db_session, ADMINISTRATORS)
        db_session.exec(
            delete(Membership).where(
                col(Membership.user_id) == user_id, col(Membership.group_id) == group.id
            )
        )


def another_administrator_saves_registration() -> None:
    with session_scope() as db_session:
        options = registration_options(db_session)
        claim(db_session, options, expected=options.version)
        options.allow_social_registration = False


def another_administrator_saves_activity() -> None:
    with session_scope() as db_session:
        options = activity_options(db_session)
        claim(db_session, options, expected=options.version)
        options.hashtags = ["#theirs"]


# --------------------------------------------------------------- pure use cases


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("launch", "#launch"), ("#Launch", "#Launch"), ("  #привет_2025 ", "#привет_2025")],
)
def test_hashtags_are_normalised_to_start_with_hash(typed: str, stored: str) -> None:
    assert normalise_hashtag(typed) == stored


@pytest.mark.parametrize(
    ("typed", "existing", "message"),
    [
        ("", [], "Type a hashtag first."),
        ("two words", [], "'two words' is not a hashtag"),
        ("##double", [], "'##double' is not a hashtag"),
        ("#" + "a" * 101, [], "is not a hashtag"),
        ("#LAUNCH", ["#launch"], "'#LAUNCH' is in the list already."),
        ("launch", ["#Launch"], "'#launch' is in the list already."),
    ],
)
def test_bad_hashtags_are_refused(typed: str, existing: list[str], message: str) -> None:
    with pytest.raises(RuleFormError) as error:
        normalise_hashtag(typed, existing)
    assert list(error.value.problems) == ["hashtags"]
    assert message in error.value.text(lambda text: text)


def test_nobody_signed_in_changes_nothing() -> None:
    """Outside a signed-in administrator's page or event, every save is refused."""
    startup.prepare(load_settings())
    rules, activity = registration_rules(), activity_settings()
    with pytest.raises(NotAnAdministratorError):
        save_registration(
            RegistrationRules(True, False, ("registered",), ("administrators",), rules.version)
        )
    with pytest.raises(NotAnAdministratorError):
        save_activity(ActivitySettings(True, ("#tag",), activity.version))
    assert (registration_rules(), activity_settings()) == (rules, activity)
    assert audit_entries() == []


# ------------------------------------------------------------------ registration


async def test_registration_form_saves_and_is_audited(user: User) -> None:
    add_group("staff", "Staff")
    await open_as_administrator(user, "/admin/registration")
    await user.should_see("Registration and authorization", retries=RETRIES)
    await user.should_see("Allow registration of new users through social networks")
    await user.should_see("User groups denied sign-in through social services")
    await user.should_see("User groups denied linking of social services")
    assert element(user, "denied-auth-groups").options == {
        "administrators": "Administrators",
        "registered": "Registered users",
        "staff": "Staff",
    }
    version = registration_rules().version

    user.find(marker="allow-self-registration").click()
    element(user, "denied-auth-groups").set_value(["staff"])
    element(user, "denied-link-groups").set_value(["staff", "administrators"])
    user.find(marker="registration-save").click()
    await user.should_see("Saved.", retries=RETRIES)

    assert registration_rules() == RegistrationRules(
        allow_self_registration=True,
        allow_social_registration=True,
        denied_auth_groups=("staff",),
        denied_link_groups=("administrators", "staff"),
        version=version + 1,
    )
    [entry] = audit_entries()
    assert (entry.action, entry.target, entry.actor_login) == (
        "registration.update",
        "registration",
        "root",
    )
    assert entry.details == {
        "allow_self_registration": True,
        "denied_auth_groups": ["staff"],
        "denied_link_groups": ["administrators", "staff"],
    }

    # The form remembers the version it saved: a second change by the same person is fine.
    user.find(marker="allow-social-registration").click()
    user.find(marker="registration-save").click()
    await user.should_see("Saved.", retries=RETRIES)
    assert registration_rules().allow_social_registration is False
    assert audit_entries()[-1].details == {"allow_social_registration": False}


async def test_saving_an_unchanged_form_writes_nothing(user: User) -> None:
    await open_as_administrator(user, "/admin/registration")
    before = registration_rules()
    user.find(marker="registration-save").click()
    await user.should_see("Nothing to save.", retries=RETRIES)
    await user.open("/admin/activity")
    user.find(marker="activity-save").click()
    await user.should_see("Nothing to save.", retries=RETRIES)
    assert registration_rules() == before
    assert audit_entries() == []


async def test_social_registration_explains_that_it_needs_self_registration(user: User) -> None:
    await open_as_administrator(user, "/admin/registration")
    # the defaults: no self-registration, social registration on
    await user.should_see(marker="social-needs-self", retries=RETRIES)
    await user.should_see("only when visitors may also register themselves")
    user.find(marker="allow-self-registration").click()
    await user.should_not_see(marker="social-needs-self")
    user.find(marker="allow-social-registration").click()
    user.find(marker="allow-self-registration").click()
    await user.should_not_see(marker="social-needs-self")


async def test_registration_refuses_a_group_deleted_meanwhile(user: User) -> None:
    add_group("staff", "Staff")
    await open_as_administrator(user, "/admin/registration")
    await user.should_see(marker="denied-auth-groups", retries=RETRIES)
    before = registration_rules()
    element(user, "denied-link-groups").set_value(["staff"])
    with session_scope() as db_session:
        db_session.exec(delete(Group).where(col(Group.code) == "staff"))
    user.find(marker="registration-save").click()
    message = "The group 'staff' no longer exists: reload the page."
    await user.should_see(message, retries=RETRIES)
    assert element(user, "denied-link-groups").error == message  # next to its field
    assert element(user, "denied-auth-groups").error is None
    assert registration_rules() == before
    assert audit_entries() == []


async def test_stale_registration_form_is_refused(user: User) -> None:
    await open_as_administrator(user, "/admin/registration")
    await user.should_see(marker="registration-save", retries=RETRIES)
    another_administrator_saves_registration()
    theirs = registration_rules()
    user.find(marker="allow-self-registration").click()
    user.find(marker="registration-save").click()
    await user.should_see(STALE, retries=RETRIES)
    assert registration_rules() == theirs
    assert audit_entries() == []


async def test_registration_refused_to_someone_no_longer_administrator(user: User) -> None:
    root = await open_as_administrator(user, "/admin/registration")
    await user.should_see(marker="registration-save", retries=RETRIES)
    before = registration_rules()
    demote(root)
    user.find(marker="allow-self-registration").click()
    element(user, "denied-auth-groups").set_value(["registered"])
    user.find(marker="registration-save").click()
    await user.should_see(NOT_ADMIN, retries=RETRIES)
    assert registration_rules() == before
    assert audit_entries() == []


async def test_the_areas_are_for_administrators_only(user: User) -> None:
    for area in (admin_registration, admin_activity, admin_encryption):
        area.register()
    add_user("alice")
    await sign_in(user, "alice")
    await user.should_see("Login: alice", retries=RETRIES)
    for path in ("/admin/registration", "/admin/activity", "/admin/encryption"):
        response = await user.http_client.get(path)
        assert response.status_code == 403, path
        assert "This page is for administrators only." in response.text


# ---------------------------------------------------------------------- activity


async def test_hashtag_editor_validates_next_to_the_field(user: User) -> None:
    await open_as_administrator(user, "/admin/activity")
    await user.should_see("Hashtags broadcast to the live feed", retries=RETRIES)
    await user.should_see(marker="activity-explained")
    await user.should_not_see("later release")
    field = element(user, "new-hashtag")

    user.find(marker="hashtag-add").click()
    await user.should_see("Type a hashtag first.")
    assert field.error == "Type a hashtag first."

    user.find(marker="new-hashtag").type("not a tag!")
    user.find(marker="hashtag-add").click()
    await user.should_see("'not a tag!' is not a hashtag")

    user.find(marker="new-hashtag").clear().type("Launch").trigger("keydown.enter")
    await user.should_see(marker="hashtag-launch")
    assert field.error is None and field.value == ""
    await user.should_see("#Launch")

    user.find(marker="new-hashtag").type("#LAUNCH")
    user.find(marker="hashtag-add").click()
    await user.should_see("'#LAUNCH' is in the list already.")

    user.find(marker="new-hashtag").clear().type("#sale")
    user.find(marker="hashtag-add").click()
    await user.should_see(marker="hashtag-sale")
    element(user, "hashtag-launch").set_value(False)  # the chip's remove button
    await user.should_not_see(marker="hashtag-launch")
    assert activity_settings().hashtags == ()  # nothing stored before Save


async def test_activity_form_saves_and_is_audited(user: User) -> None:
    await open_as_administrator(user, "/admin/activity")
    await user.should_see(
        "Allow sending user activities to social networks (X and Facebook)", retries=RETRIES
    )
    version = activity_settings().version
    user.find(marker="send-activity").click()
    for tag in ("launch", "#Sale"):
        user.find(marker="new-hashtag").clear().type(tag)
        user.find(marker="hashtag-add").click()
        await user.should_see(marker=f"hashtag-{tag.lstrip('#').lower()}")
    user.find(marker="activity-save").click()
    await user.should_see("Saved.", retries=RETRIES)
    assert activity_settings() == ActivitySettings(True, ("#launch", "#Sale"), version + 1)
    [entry] = audit_entries()
    assert (entry.action, entry.target) == ("activity.update", "activity")
    assert entry.details == {"send_activity": True, "hashtags": ["#launch", "#Sale"]}

    element(user, "hashtag-launch").set_value(False)
    user.find(marker="activity-save").click()
    await user.should_see("Saved.", retries=RETRIES)
    assert activity_settings().hashtags == ("#Sale",)
    assert audit_entries()[-1].details == {"hashtags": ["#Sale"]}


async def test_stale_activity_form_is_refused(user: User) -> None:
    await open_as_administrator(user, "/admin/activity")
    await user.should_see(marker="activity-save", retries=RETRIES)
    another_administrator_saves_activity()
    theirs = activity_settings()
    user.find(marker="send-activity").click()
    user.find(marker="activity-save").click()
    await user.should_see(STALE, retries=RETRIES)
    assert activity_settings() == theirs
    assert audit_entries() == []


async def test_activity_refused_to_someone_no_longer_administrator(user: User) -> None:
    root = await open_as_administrator(user, "/admin/activity")
    await user.should_see(marker="activity-save", retries=RETRIES)
    before = activity_settings()
    demote(root)
    user.find(marker="send-activity").click()
    user.find(marker="new-hashtag").type("#mine")
    user.find(marker="hashtag-add").click()
    user.find(marker="activity-save").click()
    await user.should_see(NOT_ADMIN, retries=RETRIES)
    assert activity_settings() == before
    assert audit_entries() == []


# ---------------------------------------------------------------------- Russian


async def test_russian_pages(user: User) -> None:
    user.http_client.headers["Accept-Language"] = "ru-RU,ru;q=0.9"
    await open_as_administrator(user, "/admin/registration")
    await user.should_see("Регистрация и авторизация", retries=RETRIES)
    await user.should_see("Разрешить регистрацию новых пользователей через социальные сети")
    await user.should_see("Группы пользователей, которым запрещён вход через социальные сервисы")
    await user.should_see("Сохранить")
    await user.open("/admin/activity")
    await user.should_see(
        "Разрешить отправку активности пользователей в социальные сети (X и Facebook)",
        retries=RETRIES,
    )
    user.find(marker="hashtag-add").click()
    await user.should_see("Сначала введите хештег.")
    await user.open("/admin/encryption")
    await user.should_see("Шифрование токенов включено", retries=RETRIES)


async def test_switching_sending_off_cancels_what_waits_to_be_sent(user: User) -> None:
    with session_scope() as db_session:
        options = activity_options(db_session)
        options.send_activity = True
        db_session.add(options)
    alice = add_user("alice")
    link(alice, "twitter", "x-alice", ("some-token", None))
    post_id = write_post(alice, "queued for X")
    await open_as_administrator(user, "/admin/activity")
    await user.should_see(marker="send-activity", retries=RETRIES)
    user.find(marker="send-activity").click()
    user.find(marker="activity-save").click()
    await user.should_see("Saved.", retries=RETRIES)
    (note,) = delivery_notes(alice, [post_id])[post_id]
    assert (note.status, note.problem) == ("cancelled", "turned_off")
    assert audit_entries()[-1].details == {"send_activity": False, "cancelled_deliveries": 1}
