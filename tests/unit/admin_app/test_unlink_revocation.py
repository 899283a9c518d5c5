"""Unlinking tells the service to forget the grant (simulated browser, real fakes of X and
Facebook on 127.0.0.1): afterwards the tokens no longer work there. A service that cannot
be told does not bring the link back; the person sees what is left to do."""

from __future__ import annotations

from datetime import timedelta

from nicegui import app
from nicegui.testing import User
from sqlmodel import col, select

from admin_app.admin import users as user_admin
from admin_app.pages.admin import users as admin_users
from admin_app.profile import grant_revocation
from models.db import session_scope
from models.tables import AuditEntry, LinkedAccount, utcnow
from tests.support.accounts import RETRIES, add_user, sign_in
from tests.support.activity_setup import X_SCOPES, configure, facebook_api, link, x_api
from tests.support.fakes.facebook import FakeFacebook
from tests.support.fakes.twitter import FakeTwitter

__all__ = ["facebook_api", "x_api"]

NOT_ANSWERING = (
    "X (Twitter) could not be told to withdraw the access it gave: it is not answering. "
    "The access can be withdrawn in the X (Twitter) account's settings."
)


def links() -> list[str]:
    with session_scope() as session:
        return [row.service_id for row in session.exec(select(LinkedAccount))]


async def unlink_on_profile(user: User, login: str, service: str) -> None:
    await sign_in(user, login)
    await user.should_see(marker="profile-login", retries=RETRIES)
    await user.open("/profile")
    user.find(marker=f"unlink-{service}").click()
    user.find(marker="confirm-unlink").click()


async def test_unlinking_revokes_the_grant_at_the_service(
    user: User, x_api: FakeTwitter, facebook_api: FakeFacebook
) -> None:
    configure(x_api, facebook_api)
    alice = add_user("alice")
    access, refresh = x_api.issue_token(scope=X_SCOPES, user_id="x-alice")
    link(alice, "twitter", "x-alice", (access, refresh))
    await unlink_on_profile(user, "alice", "twitter")
    await user.should_see("X (Twitter) is unlinked.", retries=RETRIES)
    await user.should_not_see(NOT_ANSWERING)
    assert links() == []
    assert x_api.revocations == 1
    assert x_api.token_state(access) == "unknown"
    assert refresh not in x_api.refresh_tokens


async def test_a_service_that_cannot_be_told_still_loses_the_link(
    user: User, x_api: FakeTwitter, facebook_api: FakeFacebook
) -> None:
    configure(x_api, facebook_api)
    alice = add_user("alice")
    access, refresh = x_api.issue_token(scope=X_SCOPES, user_id="x-alice")
    link(alice, "twitter", "x-alice", (access, refresh))
    x_api.failure = "revoke_503"
    await unlink_on_profile(user, "alice", "twitter")
    await user.should_see("X (Twitter) is unlinked.", retries=RETRIES)
    await user.should_see(NOT_ANSWERING)
    assert links() == []
    assert x_api.token_state(access) == "valid"  # told nothing, the service still has it


async def test_an_expired_access_token_is_refreshed_before_the_grant_is_revoked(
    user: User, x_api: FakeTwitter, facebook_api: FakeFacebook
) -> None:
    configure(x_api, facebook_api)
    alice = add_user("alice")
    access, refresh = x_api.issue_token(scope=X_SCOPES, user_id="x-alice", expires_in=0)
    link(alice, "twitter", "x-alice", (access, refresh), expires_at=utcnow() - timedelta(hours=1))
    await unlink_on_profile(user, "alice", "twitter")
    await user.should_see("X (Twitter) is unlinked.", retries=RETRIES)
    await user.should_not_see(NOT_ANSWERING)
    assert (x_api.refreshes, x_api.revocations) == (1, 1)
    assert x_api.tokens == {} and x_api.refresh_tokens == {}  # the new tokens went too


async def test_a_service_without_the_grant_any_more_is_told_nothing_new(
    user: User, x_api: FakeTwitter, facebook_api: FakeFacebook
) -> None:
    """The person withdrew the access at Facebook already: the token is refused, there is
    no refresh token, and the page says the service could not be told."""
    configure(x_api, facebook_api)
    alice = add_user("alice")
    access, _ = facebook_api.issue_token(user_id="fb-alice", expires_in=0)
    link(alice, "facebook", "fb-alice", (access, None))
    await unlink_on_profile(user, "alice", "facebook")
    await user.should_see("Facebook is unlinked.", retries=RETRIES)
    await user.should_see("Facebook could not be told to withdraw the access it gave: it refused")
    assert links() == []


async def test_the_administrators_unlink_revokes_and_audits_what_the_service_said(
    user: User, x_api: FakeTwitter, facebook_api: FakeFacebook
) -> None:
    if not any(getattr(route, "path", None) == admin_users.PATH for route in app.routes):
        admin_users.register()
    configure(x_api, facebook_api)
    add_user("root", admin=True)
    alice = add_user("alice")
    x_tokens = x_api.issue_token(scope=X_SCOPES, user_id="x-alice")
    fb_tokens = facebook_api.issue_token(user_id="fb-alice")
    x_link = link(alice, "twitter", "x-alice", x_tokens)
    fb_link = link(alice, "facebook", "fb-alice", (fb_tokens[0], None))
    await sign_in(user, "root", path=f"/login?next={admin_users.PATH}")
    await user.should_see("Users and groups", retries=RETRIES)
    await user.open(f"/admin/users/{alice}")
    x_api.failure = "revoke_503"
    user.find(marker=f"unlink-{x_link}").click()
    user.find(marker="unlink-confirm").click()
    await user.should_see(NOT_ANSWERING, retries=RETRIES)
    await user.should_not_see(marker=f"link-{x_link}")
    revocation = await user_admin.unlink_account(alice, fb_link)  # as root, from the page
    assert revocation.outcome == grant_revocation.REVOKED
    assert facebook_api.token_state(fb_tokens[0]) == "unknown"
    assert links() == []
    with session_scope() as session:
        entries = session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all()
    x_details = {"service": "twitter", "external_id": "x-alice"}
    fb_details = {"service": "facebook", "external_id": "fb-alice"}
    assert [
        (entry.action, entry.details) for entry in entries if entry.action.startswith("user.")
    ] == [
        ("user.unlink", x_details),
        ("user.revoke_failed", x_details),
        ("user.unlink", fb_details),
        ("user.revoke", fb_details),
    ]
