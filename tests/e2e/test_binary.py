"""The single executable (``make binary``) in Chromium: it serves on the embedded SQLite
default, runs the commands, speaks Russian, and signs a visitor in through the real
`oidc-provider`. ``make test-binary`` builds it and runs this module."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.support.app_server import make_app_server
from tests.support.oidc_provider import OidcProvider
from tests.support.social_setup import ACCOUNTS, SERVICE, Setup, click_service, sign_in_at_provider

BUILT = os.environ.get("SOCIALSERVICES_TEST_BINARY", "")


@pytest.fixture
def binary_setup(
    tmp_path: Path, oidc_provider_factory: Callable[..., OidcProvider]
) -> Iterator[Setup]:
    if not BUILT:
        pytest.skip("no binary to test: `make test-binary` builds one and runs this")
    binary = Path(BUILT)
    assert binary.is_file() and os.access(binary, os.X_OK), f"{binary} is not an executable"
    app = make_app_server(tmp_path, binary=binary)
    idp = oidc_provider_factory([f"{app.base_url}/oauth/{SERVICE}/callback"], accounts=ACCOUNTS)
    app.start()
    yield Setup(app, idp, tmp_path)
    app.stop()


def test_the_binary_serves_and_signs_a_visitor_in(browser: Browser, binary_setup: Setup) -> None:
    app = binary_setup.app
    assert re.search(r"/setup\?token=", app.output)  # the first start's set-up link
    assert (app.data_dir / "socialservices.db").is_file()  # the embedded SQLite default
    binary_setup.configure()  # `config import`, run by the binary
    page = browser.new_page()
    click_service(page, app.base_url, next_path="/profile")
    sign_in_at_provider(page, "alice")
    expect(page).to_have_url(f"{app.base_url}/profile")
    expect(page.get_by_text(f"Login: {SERVICE}_alice")).to_be_visible()
    assert [user["login"] for user in binary_setup.users()] == [f"{SERVICE}_alice"]
    russian = browser.new_context(locale="ru-RU").new_page()
    russian.goto(f"{app.base_url}/login")
    expect(russian.get_by_role("button", name="Войти", exact=True)).to_be_visible()
