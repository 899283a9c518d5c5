"""The profile page (/profile) in each of its states, in the simulated browser."""

from __future__ import annotations

import asyncio

import yaml
from nicegui.testing import User
from sqlmodel import select

from admin_app.activity.feed import delivery_notes
from admin_app.services.config_file import import_configuration
from models import auth_sessions
from models.db import session_scope
from models.passwords import verify_password
from models.tables import LinkedAccount, LoginThrottle
from models.tables import User as UserRow
from providers import PROVIDERS
from tests.support.accounts import PASSWORD, RETRIES, add_user, sign_in
from tests.support.activity_setup import write_post

NEW_PASSWORD = "a brand new password"


def configure(*, denied_link: tuple[str, ...] = (), send_activity: bool = False) -> None:
    """GitHub and X offered on the default site."""
    credentials = {"client_id": "id", "client_secret": "secret"}
    import_configuration(
        yaml.safe_dump(
            {
                "services": {
                    "github": {"enabled": True, "settings": credentials},
                    "twitter": {"enabled": True, "settings": credentials},
                },
                "registration": {
                    "allow_self_registration": False,
                    "allow_social_registration": True,
                    "denied_auth_groups": [],
                    "denied_link_groups": list(denied_link),
                },
                "activity": {"send_activity": send_activity, "hashtags": []},
            }
        )
    )


def link(
    user_id: int,
    service_id: str,
    name: str = "Ext Name",
    email: str | None = None,
    email_verified: bool = False,
) -> int:
    with session_scope() as session:
        row = LinkedAccount(
            user_id=user_id,
            service_id=service_id,
            provider=service_id,
            issuer=PROVIDERS[service_id].identity_issuer({}),
            external_id=f"{service_id}-{user_id}",
            site_id="s1",
            first_name=name,
            email=email,
            email_verified=email_verified,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def links_of(user_id: int) -> list[str]:
    with session_scope() as session:
        rows = session.exec(select(LinkedAccount).where(LinkedAccount.user_id == user_id))
        return [row.service_id for row in rows]


def account(user_id: int) -> UserRow:
    with session_scope() as session:
        row = session.get(UserRow, user_id)
        assert row is not None
        return row


def forget_password(user_id: int) -> None:
    with session_scope() as session:
        row = session.get(UserRow, user_id)
        assert row is not None
        row.password_hash = None
        session.add(row)


async def open_profile(user: User, login: str, query: str = "") -> None:
    await sign_in(user, login)
    await user.should_see(f"Login: {login}", retries=RETRIES)
    await user.open("/profile" + query)  # events now see this page's cookie


def fill(user: User, marker: str, value: str) -> None:
    user.find(marker=marker).clear().type(value)


async def test_no_links_yet_offers_the_sites_services(user: User) -> None:
    add_user("alice")
    configure()
    await open_profile(user, "alice")
    await user.should_see("No external accounts are linked yet.")
    await user.should_see("Link GitHub")
    await user.should_see("Link X")
    form = next(iter(user.find(marker="link-github").elements))
    assert form.props["method"] == "post" and form.props["action"] == "/oauth/github/link"


async def test_linked_accounts_are_listed_and_not_offered_again(user: User) -> None:
    alice = add_user("alice")
    configure()
    link(alice, "github", name="<b>Octo</b> Cat")
    await open_profile(user, "alice")
    await user.should_see(marker="linked-github")
    await user.should_see("<b>Octo</b> Cat")  # a label: text, not HTML
    await user.should_see("last used to sign in: never")
    await user.should_not_see("Link GitHub")
    await user.should_see("Link X")


async def test_an_unverified_email_of_a_link_is_shown_as_not_verified(user: User) -> None:
    alice = add_user("alice")
    configure()
    link(alice, "github", email="octo@example.org")
    link(alice, "twitter", email="bird@example.org", email_verified=True)
    await open_profile(user, "alice")
    await user.should_see("octo@example.org (not verified)")
    await user.should_see("bird@example.org")
    await user.should_not_see("bird@example.org (not verified)")


async def test_unlink_asks_first(user: User) -> None:
    alice = add_user("alice")
    configure()
    link(alice, "github")
    await open_profile(user, "alice")
    user.find(marker="unlink-github").click()
    await user.should_see("Unlink GitHub (Ext Name)? You can link it again later.")
    user.find(marker="confirm-unlink").click()
    await user.should_see("GitHub is unlinked.", retries=RETRIES)
    await user.should_see("No external accounts are linked yet.")
    assert links_of(alice) == []


async def test_the_last_way_to_sign_in_stays_until_a_password_is_set(user: User) -> None:
    alice = add_user("alice")
    configure()
    link(alice, "github")
    await open_profile(user, "alice")
    forget_password(alice)  # an account made through GitHub: no password
    await user.open("/profile")
    await user.should_see("You sign in with external accounts only.")
    user.find(marker="unlink-github").click()
    await user.should_see(marker="last-method")
    await user.should_not_see(marker="confirm-unlink")
    user.find(marker="go-to-password").click()
    assert links_of(alice) == ["github"]
    fill(user, "new_password", NEW_PASSWORD)
    fill(user, "repeat_password", NEW_PASSWORD)
    user.find(marker="password-save").click()
    await user.should_see("Your password is saved.", retries=RETRIES)
    await user.should_see(marker="current_password")  # asked for from now on
    user.find(marker="unlink-github").click()
    user.find(marker="confirm-unlink").click()
    await user.should_see("GitHub is unlinked.", retries=RETRIES)
    assert links_of(alice) == []


async def test_denied_group_sees_its_links_and_why_it_cannot_link(user: User) -> None:
    alice = add_user("alice")
    configure(denied_link=("registered",))
    link(alice, "github")
    await open_profile(user, "alice")
    await user.should_see(marker="linked-github")
    await user.should_see("Your account may not link external services.")
    await user.should_not_see("Link X")


async def test_publish_switch_only_for_x_while_allowed(user: User) -> None:
    alice = add_user("alice")
    configure(send_activity=False)
    twitter = link(alice, "twitter")
    link(alice, "github")
    await open_profile(user, "alice")
    await user.should_see(marker="linked-twitter")
    await user.should_not_see(marker="publish-twitter")
    configure(send_activity=True)
    await user.open("/profile")
    await user.should_see(marker="publish-twitter")
    await user.should_not_see(marker="publish-github")
    user.find(marker="publish-twitter").click()
    with session_scope() as session:
        row = session.get(LinkedAccount, twitter)
        assert row is not None and row.publish_activity
    # a post waiting to go out through it is not sent once the switch is off again
    post_id = write_post(alice, "waiting for X")
    user.find(marker="publish-twitter").click()
    with session_scope() as session:
        row = session.get(LinkedAccount, twitter)
        assert row is not None and not row.publish_activity
    (note,) = delivery_notes(alice, [post_id])[post_id]
    assert (note.status, note.problem) == ("cancelled", "turned_off")


async def test_details_are_checked_and_saved(user: User) -> None:
    """Without mail, as here, an address is saved as typed, unverified (``test_email_change``
    has the change through a link)."""
    alice = add_user("alice")
    await open_profile(user, "alice")
    fill(user, "details-first_name", "Alicia")
    fill(user, "details-email", "not an address")
    user.find(marker="details-save").click()
    await user.should_see("This is not a valid e-mail address.", retries=RETRIES)
    assert account(alice).first_name == "Alice"
    fill(user, "details-email", "alicia@example.org")
    user.find(marker="details-save").click()
    await user.should_see("Your details are saved.", retries=RETRIES)
    saved = account(alice)
    assert (saved.first_name, saved.email, saved.email_lower, saved.email_verified) == (
        "Alicia",
        "alicia@example.org",
        "alicia@example.org",
        False,
    )


async def test_changing_the_password_needs_the_current_one(user: User) -> None:
    alice = add_user("alice")
    await open_profile(user, "alice")
    fill(user, "current_password", "wrong password")
    fill(user, "new_password", NEW_PASSWORD)
    fill(user, "repeat_password", NEW_PASSWORD + "x")
    user.find(marker="password-save").click()
    await user.should_see("The current password is not right.", retries=RETRIES)
    await user.should_see("The two passwords differ.")
    fill(user, "current_password", PASSWORD)
    fill(user, "repeat_password", NEW_PASSWORD)
    user.find(marker="password-save").click()
    await user.should_see("Your password is saved.", retries=RETRIES)
    assert verify_password(account(alice).password_hash, NEW_PASSWORD)


async def test_a_new_password_may_not_be_the_login(user: User) -> None:
    """The same rule as registration and the reset: the login is the first guess."""
    alice = add_user("alice.liddell")
    await open_profile(user, "alice.liddell")
    fill(user, "current_password", PASSWORD)
    fill(user, "new_password", "ALICE.Liddell")
    fill(user, "repeat_password", "ALICE.Liddell")
    user.find(marker="password-save").click()
    await user.should_see("A password may not be your login or e-mail address.", retries=RETRIES)
    assert verify_password(account(alice).password_hash, PASSWORD)


async def test_a_link_problem_is_shown_on_the_page(user: User) -> None:
    add_user("alice")
    configure()
    await open_profile(user, "alice", "?problem=linked_elsewhere&service=github")
    await user.should_see("This GitHub account is already linked to another user.")
    await user.open("/profile?problem=<script>x</script>&service=<b>x</b>")
    await user.should_see("Something went wrong with this service. Please try again.")
    await user.should_not_see("<b>x</b>")


async def test_a_refused_link_comes_back_to_the_profile(user: User) -> None:
    add_user("alice")
    configure()
    await open_profile(user, "alice")
    form = next(iter(user.find(marker="link-github").elements))
    csrf = next(
        child.props["value"] for child in form.default_slot.children if child.tag == "input"
    )
    configure(denied_link=("registered",))  # denied after the page was drawn
    response = await user.http_client.post("/oauth/github/link", data={"csrf": csrf})
    assert response.status_code == 303
    assert response.headers["location"] == "/profile?problem=link_denied&service=github"


async def test_the_server_keeps_the_last_way_even_for_a_page_drawn_before(user: User) -> None:
    alice = add_user("alice")
    configure()
    link(alice, "github")
    await open_profile(user, "alice")  # drawn while alice had a password
    forget_password(alice)
    user.find(marker="unlink-github").click()
    user.find(marker="confirm-unlink").click()
    await user.should_see("This is the only way you can sign in now.", retries=RETRIES)
    assert links_of(alice) == ["github"]


async def test_a_new_password_signs_out_the_other_sessions(user: User) -> None:
    alice = add_user("alice")
    with session_scope() as session:
        elsewhere = auth_sessions.create_active(session, user_id=alice)
    await open_profile(user, "alice")
    fill(user, "current_password", PASSWORD)
    fill(user, "new_password", NEW_PASSWORD)
    fill(user, "repeat_password", NEW_PASSWORD)
    user.find(marker="password-save").click()
    await user.should_see("Your password is saved.", retries=RETRIES)
    with session_scope() as session:
        assert auth_sessions.user_of(session, elsewhere) is None
    await user.open("/profile")
    await user.should_see("Login: alice")  # this browser stays signed in


def failures(user_id: int) -> int:
    with session_scope() as session:
        row = session.get(LoginThrottle, f"user:{user_id}")
        return row.failures if row is not None else 0


async def test_guessing_the_current_password_is_throttled(user: User) -> None:
    alice = add_user("alice")
    await open_profile(user, "alice")
    fill(user, "new_password", NEW_PASSWORD)
    fill(user, "repeat_password", NEW_PASSWORD)
    for attempt in range(3):
        fill(user, "current_password", f"guess {attempt}")
        user.find(marker="password-save").click()
        for _ in range(RETRIES):  # the check runs in a worker thread: wait for its count
            if failures(alice) == attempt + 1:
                break
            await asyncio.sleep(0.05)
        assert failures(alice) == attempt + 1
    await user.should_see("The current password is not right.")
    fill(user, "current_password", PASSWORD)  # right, but too soon after three failures
    user.find(marker="password-save").click()
    await user.should_see("Too many failed attempts for this login.", retries=RETRIES)


async def test_a_link_to_a_service_offered_nowhere_is_no_way_to_sign_in(user: User) -> None:
    alice = add_user("alice")
    configure()
    link(alice, "github")
    link(alice, "facebook")  # not offered by any site: it signs nobody in
    await open_profile(user, "alice")
    forget_password(alice)
    await user.open("/profile")
    user.find(marker="unlink-github").click()
    await user.should_see(marker="last-method")
    await user.open("/profile")
    user.find(marker="unlink-facebook").click()
    user.find(marker="confirm-unlink").click()
    await user.should_see("Facebook is unlinked.", retries=RETRIES)
    assert links_of(alice) == ["github"]
