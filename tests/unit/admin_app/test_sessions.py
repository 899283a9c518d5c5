"""Sessions: activation by the same browser only, sign-out by CSRF-checked link, health."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from nicegui.testing import User
from sqlmodel import select

from admin_app.auth.first_administrator import (
    SetupClosedError,
    _create_first_administrator,
    setup_link,
)
from models import auth_sessions, db
from models.db import session_scope
from models.tables import AuthSession
from models.users import ADMINISTRATORS, group_codes_of, users_after
from tests.support.accounts import RETRIES, add_user, sign_in


async def test_one_setup_link_submitted_many_times_creates_one_administrator(user: User) -> None:
    link = setup_link()
    assert link
    token = link.split("token=")[1]

    def submit(number: int) -> str:
        try:
            _create_first_administrator(
                token,
                f"browser{number}",
                "127.0.0.1",
                f"admin{number}",
                "",
                "long enough pw",
                "",
                "",
            )
            return "created"
        except SetupClosedError:
            return "refused"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(submit, range(8)))
    assert outcomes.count("created") == 1
    with session_scope() as session:
        admins = [
            u for u in users_after(session) if ADMINISTRATORS in group_codes_of(session, u.id or 0)
        ]
    assert len(admins) == 1


async def test_a_ticket_works_once_and_only_in_its_own_browser(user: User) -> None:
    user_id = add_user("alice")
    with session_scope() as session:
        ticket = auth_sessions.create_pending(session, user_id=user_id, browser="someone-else")
    response = await user.http_client.get(f"/auth/complete?ticket={ticket}&next=/profile")
    assert response.headers["location"] == "/login?expired=1"  # minted for another browser
    response = await user.http_client.get("/profile")
    assert response.status_code == 303


async def test_signing_in_replaces_the_cookie_and_the_old_one_stays_anonymous(user: User) -> None:
    add_user("alice")
    await user.open("/login")
    planted = dict(user.http_client.cookies)  # what an attacker might have put here
    await sign_in(user, "alice")
    await user.should_see("Login: alice", retries=RETRIES)
    assert dict(user.http_client.cookies) != planted
    user.http_client.cookies.clear()
    user.http_client.cookies.update(planted)
    assert (await user.http_client.get("/profile")).status_code == 303


async def test_sign_out_needs_the_pages_csrf_token(user: User) -> None:
    add_user("alice")
    await sign_in(user, "alice")
    await user.should_see("Login: alice", retries=RETRIES)
    response = await user.http_client.get("/logout?csrf=forged")
    assert response.headers["location"] == "/"
    assert (await user.http_client.get("/profile")).status_code == 200
    user.find("Sign out").click()
    await user.should_see(marker="login-submit", retries=RETRIES)
    with session_scope() as session:
        assert session.exec(select(AuthSession)).all() == []  # ended on the server too


async def test_responses_forbid_framing(user: User) -> None:
    response = await user.http_client.get("/login")
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_health(user: User, caplog: pytest.LogCaptureFixture) -> None:
    response = await user.http_client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok", "database": "ok"})
    db.configure(db.make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none"))
    response = await user.http_client.get("/healthz")
    assert (response.status_code, response.json()) == (
        503,
        {"status": "error", "database": "unavailable"},
    )
    assert "health.database_unavailable reason=connection failed" in caplog.text  # for the operator
    caplog.clear()  # the ERROR it logged is the expected one
