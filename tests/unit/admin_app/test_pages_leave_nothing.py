"""Drawing a page leaves nothing behind in the process once the page is gone: the look's
stylesheet route, added again for every page drawn, made every request try one route more
and the process bigger by the hour (found by ``bench/soak.py``)."""

from __future__ import annotations

from nicegui import app
from nicegui.testing import User

from tests.support.accounts import RETRIES, add_user, sign_in


async def test_drawing_pages_adds_no_route(user: User) -> None:
    add_user("alice")
    await sign_in(user, "alice")
    await user.should_see("Login: alice", retries=RETRIES)
    routes = len(app.routes)
    for _ in range(5):
        await user.open("/profile")
        await user.should_see("Login: alice", retries=RETRIES)
        await user.open("/feed")
        await user.should_see("Post", retries=RETRIES)
    assert len(app.routes) == routes
