"""Two real app processes serving the same sites from one PostgreSQL database and one
Redis, as behind a load balancer (docs/deploy.md), driven by Chromium.

Both use the second process's address as their public URL, so a sign-in that begins on
the first comes back to the second's callback, as it would through a balancer that
sent the two requests to different processes.
"""

from __future__ import annotations

import base64
import secrets
import signal
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import yaml
from playwright.sync_api import Browser, Page, expect

from tests.support.app_server import AppServer, free_port, make_app_server
from tests.support.browser_sign_in import (
    ADMIN,
    ADMIN_PASSWORD,
    activate,
    create_admin,
    sign_in,
)
from tests.support.oidc_provider import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, OidcProvider
from tests.support.postgres_database import postgres_database
from tests.support.social_setup import sign_in_at_provider

REDIS = "redis://127.0.0.1:6379/0"
__all__ = ["postgres_database"]  # a fixture


@dataclass
class Pair:
    first: AppServer
    second: AppServer
    idp: OidcProvider


@pytest.fixture
def pair(
    tmp_path: Path, postgres_database: str, oidc_provider_factory: Callable[..., OidcProvider]
) -> Iterator[Pair]:
    client = redis.Redis.from_url(REDIS, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis at {REDIS} does not answer: {error}")
    prefix = f"socialservices-e2e-{uuid.uuid4().hex[:8]}:"
    second_port = free_port()
    shared = {
        "database_url": postgres_database,
        "redis_url": REDIS,
        "public_url": f"http://127.0.0.1:{second_port}",
        "secret_key": secrets.token_urlsafe(32),
        "encryption_keys": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("="),
    }
    servers = []
    for name, port in (("first", free_port()), ("second", second_port)):
        (tmp_path / name).mkdir()
        server = make_app_server(tmp_path / name, **shared)
        server.port = port
        server.env["NICEGUI_REDIS_KEY_PREFIX"] = prefix
        servers.append(server)
    idp = oidc_provider_factory([f"{shared['public_url']}/oauth/staff/callback"])
    with ThreadPoolExecutor(2) as pool:  # started together: they take turns to upgrade
        for started in [pool.submit(server.start) for server in servers]:
            started.result()
    yield Pair(servers[0], servers[1], idp)
    for server in servers:
        server.stop()
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
    client.close()


def configure(pair: Pair) -> None:
    document = {
        "services": {
            "staff": {
                "provider": "oidc",
                "name": "Staff sign-in",
                "enabled": True,
                "position": 1,
                "settings": {
                    "client_id": DEFAULT_CLIENT_ID,
                    "client_secret": DEFAULT_CLIENT_SECRET,
                },
                "endpoints": {"issuer": pair.idp.issuer},
            },
            "yandex": {
                "enabled": True,
                "position": 2,
                "settings": {"client_id": "yandex-client", "client_secret": "yandex-secret"},
            },
        },
        "registration": {
            "allow_self_registration": True,
            "allow_social_registration": True,
            "denied_auth_groups": [],
            "denied_link_groups": [],
        },
    }
    path = pair.first.data_dir.parent / "config.yaml"
    path.write_text(yaml.safe_dump(document))
    result = pair.first.cli("config", "import", str(path))
    assert result.returncode == 0, result.stderr


def buttons(page: Page, base_url: str) -> list[str]:
    page.goto(f"{base_url}/login")
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    hrefs = page.locator("a[href^='/oauth/']").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )
    return [href.split("/")[2] for href in hrefs]


def test_two_processes_share_sign_ins_settings_and_sessions(browser: Browser, pair: Pair) -> None:
    configure(pair)
    create_admin(pair.first)
    first, second = pair.first.base_url, pair.second.base_url

    # a sign-in begun on the first process ends at the second's callback
    person = browser.new_context().new_page()
    person.goto(f"{first}/login?next=/profile")
    with person.expect_request(f"{second}/oauth/staff/callback**") as callback:
        person.get_by_role("link", name="Staff sign-in").click()
        sign_in_at_provider(person, "alice")
    assert callback.value.url.startswith(f"{second}/oauth/staff/callback?")
    expect(person).to_have_url(f"{second}/profile")
    expect(person.get_by_text("Login: staff_alice")).to_be_visible()

    # a service switched off on the second is gone from the first's sign-in page
    visitor = browser.new_context().new_page()
    assert buttons(visitor, first) == ["staff", "yandex"]
    admin = browser.new_context().new_page()
    sign_in(admin, second, ADMIN, ADMIN_PASSWORD, next_path="/admin/services")
    expect(admin).to_have_url(f"{second}/admin/services")
    activate(admin.get_by_role("switch", name="Yandex: On"))
    expect(admin.get_by_text("Yandex is switched off.")).to_be_visible()
    assert buttons(visitor, first) == ["staff"]

    # the second process dies: the first keeps the person signed in
    assert pair.second.process is not None
    pair.second.process.send_signal(signal.SIGKILL)
    pair.second.process.wait()
    person.goto(f"{first}/profile")
    expect(person).to_have_url(f"{first}/profile")
    expect(person.get_by_text("Login: staff_alice")).to_be_visible()
