"""Every guarded page holds its guard, found from the routes the running app declared (not
a list kept by hand), and every /admin route is declared through the administrators' guard,
so that a new admin page without it fails here."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute
from nicegui import app
from nicegui.testing import User

from admin_app.pages.guards import Guard, declared_guard
from tests.support.accounts import RETRIES, add_user, sign_in

DENIED_TITLE = "Access denied · Social services"
DENIED_TEXT = "This page is for administrators only."
ADMIN_FRAME = "Administration areas"  # the admin frame's navigation, on every admin page


def guarded_paths(guard: Guard) -> list[str]:
    """The paths of the page routes declared with ``guard``, each with its parameters
    filled in (``/admin/users/{user_id}`` -> ``/admin/users/1``)."""
    return sorted(
        re.sub(r"\{[^}]*\}", "1", route.path)
        for route in app.routes
        if isinstance(route, APIRoute) and declared_guard(route.endpoint) is guard
    )


def title_of(html: str) -> str:
    found = re.search(r"<title>(.*?)</title>", html, re.DOTALL)
    assert found is not None
    return found.group(1).strip()


async def test_every_admin_route_is_declared_through_the_admin_guard(user: User) -> None:
    under_admin = {
        path: getattr(route, "endpoint", None)
        for route in app.routes
        if (path := getattr(route, "path", "")) == "/admin" or path.startswith("/admin/")
    }
    assert {"/admin", "/admin/users", "/admin/audit"} <= set(under_admin)  # found, not listed
    unguarded = [
        path
        for path, endpoint in under_admin.items()
        if endpoint is None or declared_guard(endpoint) is not Guard.ADMINISTRATOR
    ]
    assert unguarded == []


async def test_anonymous_visitors_are_sent_to_sign_in_and_back(user: User) -> None:
    admin_paths = guarded_paths(Guard.ADMINISTRATOR)
    signed_in_paths = guarded_paths(Guard.SIGNED_IN)
    assert "/admin" in admin_paths and {"/profile", "/feed"} <= set(signed_in_paths)
    for path in admin_paths + signed_in_paths:
        response = await user.http_client.get(path)
        assert (response.status_code, response.headers.get("location")) == (
            303,
            f"/login?next={path}",
        ), path


async def test_signed_in_non_administrators_get_403_and_nothing_of_the_page(user: User) -> None:
    admin_paths = guarded_paths(Guard.ADMINISTRATOR)
    add_user("root", admin=True)
    add_user("alice")
    await sign_in(user, "root")
    await user.should_see("Login: root", retries=RETRIES)
    titles = {}
    for path in admin_paths:  # what the page shows to whom it is for
        response = await user.http_client.get(path)
        if not response.headers["content-type"].startswith("text/html"):
            continue  # a download (the audit log as CSV): no frame, and refused below all the same
        assert ADMIN_FRAME in response.text, path
        titles[path] = title_of(response.text)
        assert titles[path] != DENIED_TITLE, path
    user.find("Sign out").click()
    await user.should_see(marker="login-submit", retries=RETRIES)
    await sign_in(user, "alice")
    await user.should_see("Login: alice", retries=RETRIES)
    for path in admin_paths:
        response = await user.http_client.get(path)
        assert response.status_code == 403, path
        assert DENIED_TEXT in response.text, path
        assert title_of(response.text) == DENIED_TITLE, path
        assert ADMIN_FRAME not in response.text, path
        assert path not in titles or titles[path] not in response.text, path
    for path in guarded_paths(Guard.SIGNED_IN):  # and the pages for anyone signed in let in
        response = await user.http_client.get(path)
        assert response.status_code == 200, path
