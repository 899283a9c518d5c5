"""Drawing a page leaves nothing behind in the process once the page is gone: the look's
stylesheet route, added again for every page drawn, made every request try one route more
and the process bigger by the hour (found by ``bench/soak.py``); NiceGUI's storage of each
browser tab stayed for a month."""

from __future__ import annotations

import time
import uuid

import pytest
from nicegui import app
from nicegui.app.app import prune_tab_storage
from nicegui.testing import User

from admin_app.web.server import TAB_STORAGE_SECONDS
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


async def test_a_tabs_storage_does_not_outlive_its_page_by_days(
    user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without Redis NiceGUI kept each tab's storage for 30 days: one per page ever shown."""
    add_user("alice")
    await sign_in(user, "alice")
    for _ in range(5):
        user.tab_id = str(uuid.uuid4())  # another browser tab
        await user.open("/profile")
        await user.should_see("Login: alice", retries=RETRIES)
    assert len(app.storage._tabs) >= 5
    later = time.time() + TAB_STORAGE_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)
    await prune_tab_storage()
    monkeypatch.undo()
    assert not app.storage._tabs
    # a page shown again gets its (empty) storage back
    await user.open("/profile")
    await user.should_see("Login: alice", retries=RETRIES)
