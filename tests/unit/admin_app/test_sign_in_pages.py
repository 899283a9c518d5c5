"""The sign-in page, who may open /admin, and signing out (simulated browser)."""

from __future__ import annotations

import pytest
from nicegui.testing import User

from models import login_throttle
from tests.support.accounts import PASSWORD, RETRIES, add_user, sign_in


async def error_text(user: User) -> str:
    await user.should_see(marker="login-error", retries=RETRIES)
    return user.find(marker="login-error").elements.pop().text  # type: ignore[attr-defined]


async def test_sign_in_with_login_goes_to_profile(user: User) -> None:
    add_user("alice")
    await sign_in(user, "alice")
    await user.should_see("Login: alice", retries=RETRIES)


async def test_sign_in_with_email_and_enter_key(user: User) -> None:
    add_user("alice")
    await user.open("/login")
    user.find(marker="login-identifier").type("ALICE@example.org")
    user.find(marker="login-password").type(PASSWORD).trigger("keydown.enter")
    await user.should_see("Login: alice", retries=RETRIES)


async def test_wrong_login_and_wrong_password_read_the_same(user: User) -> None:
    add_user("alice")
    await sign_in(user, "alice", "wrong password")
    wrong_password = await error_text(user)
    await sign_in(user, "nobody", PASSWORD)
    wrong_login = await error_text(user)
    assert wrong_password == wrong_login == "Wrong login or password."


async def test_blocked_user_cannot_sign_in(user: User) -> None:
    add_user("alice", active=False)
    await sign_in(user, "alice")
    assert await error_text(user) == "Wrong login or password."


async def test_repeated_failures_are_slowed_down_and_logged(
    user: User, caplog: pytest.LogCaptureFixture
) -> None:
    add_user("alice")
    for _ in range(login_throttle.FREE_FAILURES):
        await sign_in(user, "alice", "wrong password")
        assert await error_text(user) == "Wrong login or password."
    await sign_in(user, "alice", PASSWORD)  # even the right password must wait now
    assert (await error_text(user)).startswith("Too many failed attempts for this login.")
    await user.should_not_see("Login: alice")
    messages = [record.getMessage() for record in caplog.records]
    assert "auth.failed key=user:1 consecutive_failures=3 ip=127.0.0.1" in messages
    assert any(m.startswith("auth.throttled key=user:1 wait=") for m in messages)


async def test_admin_requires_sign_in_and_returns_there(user: User) -> None:
    add_user("root", admin=True)
    response = await user.http_client.get("/admin")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/admin"
    await sign_in(user, "root", path="/login?next=/admin")
    await user.should_see("Active users", retries=RETRIES)


async def test_non_administrator_gets_403(user: User) -> None:
    add_user("alice")
    await sign_in(user, "alice")
    await user.should_see("Login: alice", retries=RETRIES)
    response = await user.http_client.get("/admin")
    assert response.status_code == 403
    assert "This page is for administrators only." in response.text


async def test_navigation_shows_administration_to_administrators_only(user: User) -> None:
    add_user("alice")
    await sign_in(user, "alice")
    await user.should_see("Profile", retries=RETRIES)
    await user.should_not_see("Administration")


async def test_next_outside_the_site_is_ignored(user: User) -> None:
    add_user("alice")
    await sign_in(user, "alice", path="/login?next=//evil.example/phish")
    await user.should_see("Login: alice", retries=RETRIES)  # landed on our profile, not elsewhere


async def test_signed_in_visitor_skips_the_form(user: User) -> None:
    add_user("root", admin=True)
    await sign_in(user, "root")
    await user.should_see("Login: root", retries=RETRIES)
    response = await user.http_client.get("/login?next=/admin")
    assert (response.status_code, response.headers["location"]) == (303, "/admin")


async def test_sign_out(user: User) -> None:
    add_user("alice")
    await sign_in(user, "alice")
    await user.should_see("Login: alice", retries=RETRIES)
    user.find("Sign out").click()
    await user.should_see(marker="login-submit", retries=RETRIES)
    response = await user.http_client.get("/profile")
    assert response.status_code == 303


async def test_blocking_a_signed_in_user_signs_them_out(user: User) -> None:
    from models.db import session_scope
    from models.tables import User as UserRow

    user_id = add_user("alice")
    await sign_in(user, "alice")
    await user.should_see("Login: alice", retries=RETRIES)
    with session_scope() as session:
        row = session.get(UserRow, user_id)
        assert row is not None
        row.is_active = False
    response = await user.http_client.get("/profile")
    assert response.status_code == 303
