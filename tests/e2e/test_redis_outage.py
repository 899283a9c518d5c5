"""Redis stops under two running app processes, for real, and starts again.

The processes keep NiceGUI's per-browser and per-tab storage in Redis; sessions, sign-ins
under way and everything else are in PostgreSQL (docs/operations.md says what is lost
while Redis is away). So with Redis stopped, pages still draw and work, within seconds,
on both processes; a person signs in on one and is signed in on the other; and once
Redis is back, new sign-ins and the sessions from before go on working.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.support.app_server import AppServer, make_app_server
from tests.support.browser_sign_in import ADMIN, ADMIN_PASSWORD, create_admin, sign_in
from tests.support.postgres_database import postgres_database
from tests.support.private_redis import PrivateRedis, private_redis

__all__ = ["postgres_database", "private_redis"]  # fixtures

#: how long a page may take to draw and answer a click
FEW_SECONDS_MS = 5000


@pytest.fixture
def two(
    tmp_path: Path, postgres_database: str, private_redis: PrivateRedis
) -> Iterator[tuple[AppServer, AppServer]]:
    shared = {
        "database_url": postgres_database,
        "redis_url": private_redis.url,
        "secret_key": secrets.token_urlsafe(32),
        "encryption_keys": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("="),
    }
    servers = []
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        servers.append(make_app_server(tmp_path / name, **shared).start())
    yield servers[0], servers[1]
    for server in servers:
        server.stop()


def signs_in_on_one_and_is_known_on_the_other(
    browser: Browser, here: AppServer, there: AppServer
) -> None:
    page = browser.new_context().new_page()
    page.set_default_timeout(FEW_SECONDS_MS)
    started = time.monotonic()
    sign_in(page, here.base_url, ADMIN, ADMIN_PASSWORD, next_path="/profile")
    expect(page).to_have_url(f"{here.base_url}/profile")
    expect(page.get_by_text(f"Login: {ADMIN}")).to_be_visible()
    print(f"signed in on {here.base_url} in {time.monotonic() - started:.2f} s")
    assert time.monotonic() - started < 2 * FEW_SECONDS_MS / 1000
    page.goto(f"{there.base_url}/profile")
    expect(page).to_have_url(f"{there.base_url}/profile")
    expect(page.get_by_text(f"Login: {ADMIN}")).to_be_visible()
    page.context.close()


def test_redis_stopped_and_started_again(
    browser: Browser, two: tuple[AppServer, AppServer], private_redis: PrivateRedis
) -> None:
    first, second = two
    create_admin(first)
    before = browser.new_context().new_page()
    sign_in(before, first.base_url, ADMIN, ADMIN_PASSWORD, next_path="/profile")
    expect(before).to_have_url(f"{first.base_url}/profile")

    private_redis.stop()
    signs_in_on_one_and_is_known_on_the_other(browser, first, second)
    signs_in_on_one_and_is_known_on_the_other(browser, second, first)
    before.goto(f"{second.base_url}/profile")  # signed in before the outage: still
    expect(before.get_by_text(f"Login: {ADMIN}")).to_be_visible(timeout=FEW_SECONDS_MS)

    private_redis.start()
    signs_in_on_one_and_is_known_on_the_other(browser, first, second)
    before.goto(f"{first.base_url}/profile")
    expect(before.get_by_text(f"Login: {ADMIN}")).to_be_visible(timeout=FEW_SECONDS_MS)
    for server in (first, second):
        assert server.process is not None and server.process.poll() is None
        assert "Traceback" not in server.output
