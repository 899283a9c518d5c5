"""The database goes away under the running app, for real, and comes back.

PostgreSQL: a cluster of the test's own is stopped with ``pg_ctl`` as an operator would.
SQLite: the file cannot be opened any more (moved away and its path taken by a
directory: as root, which the tests run as, a file's permissions keep nobody out).
Meanwhile every page answers our readable 503 within seconds and ``/healthz`` says 503;
a sign-in begun before the outage is told to start again; once the database is back the
same process serves as before, and its signed-in sessions are still signed in.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.app_server import AppServer, make_app_server
from tests.support.fakes.openid import FakeOpenIDProvider
from tests.support.outage_visits import (
    begin_sign_in,
    configured,
    health,
    idp,
    sign_in,
    signed_in,
    wait_for,
)
from tests.support.private_postgres import PrivatePostgres, private_postgres

__all__ = ["idp", "private_postgres"]  # fixtures

PAGES = ("/", "/login", "/profile", "/admin", "/register")
#: how long a page may take to say it cannot be shown
FEW_SECONDS = 5.0


def assert_unavailable_pages(browser: httpx.Client) -> None:
    for path in PAGES:
        started = time.monotonic()
        page = browser.get(path, timeout=FEW_SECONDS * 2)
        took = time.monotonic() - started
        assert page.status_code == 503, (path, page.status_code, page.text[:300])
        assert took < FEW_SECONDS, (path, took)
        assert "Temporarily unavailable" in page.text, path
        assert "try again in a minute" in page.text, path
        assert page.headers["retry-after"] == "60"
        for leak in ("psycopg", "OperationalError", "sqlite3", "Traceback", "SELECT"):
            assert leak not in page.text, (path, leak)


def assert_sign_in_told_to_start_again(browser: httpx.Client, callback_url: str) -> None:
    page = browser.get(callback_url, timeout=FEW_SECONDS * 2)
    assert page.status_code == 503
    assert "Sign-in not finished" in page.text
    assert "Wait a minute, then sign in again." in page.text
    assert "Sign in again" in page.text and '"/login"' in page.text  # the link, drawn by the page


def assert_programs_told_in_json(app: AppServer) -> None:
    """An application's token request and a proxy's verify get a status they understand."""
    token = httpx.post(
        f"{app.base_url}/oidc/token",
        data={"grant_type": "authorization_code", "code": "x", "client_id": "app"},
        timeout=FEW_SECONDS,
    )
    assert token.status_code == 503
    assert token.json()["error"] == "temporarily_unavailable"
    verify = httpx.get(
        f"{app.base_url}/auth/verify",
        headers={"X-Original-URL": "https://shop.example.org/cart"},
        timeout=FEW_SECONDS,
    )
    assert verify.status_code == 503


def assert_logged_as_outage(app: AppServer) -> None:
    log = app.output
    assert "database.unavailable" in log
    assert "Traceback" not in log  # the operator is not sent looking for a bug


@pytest.fixture
def on_postgres(
    tmp_path: Path, private_postgres: PrivatePostgres, idp: FakeOpenIDProvider
) -> Iterator[AppServer]:
    app = make_app_server(tmp_path, database_url=private_postgres.url).start()
    yield configured(app, idp)
    app.stop()


def test_postgresql_stopped_and_started_again(
    on_postgres: AppServer, private_postgres: PrivatePostgres
) -> None:
    app = on_postgres
    with (
        httpx.Client(base_url=app.base_url) as person,
        httpx.Client(base_url=app.base_url) as signing_in,
    ):
        sign_in(person)
        callback_url = begin_sign_in(signing_in)

        private_postgres.stop()
        assert health(app) == 503
        assert_unavailable_pages(person)
        assert_sign_in_told_to_start_again(signing_in, callback_url)
        assert_programs_told_in_json(app)

        private_postgres.start()
        wait_for(lambda: health(app) == 200, 30)
        assert app.process is not None and app.process.poll() is None  # never restarted
        assert signed_in(person)  # the session outlived the outage
        sign_in(signing_in)  # starting again signs in
    assert_logged_as_outage(app)


@pytest.fixture
def on_sqlite(tmp_path: Path, idp: FakeOpenIDProvider) -> Iterator[AppServer]:
    app = make_app_server(tmp_path).start()
    yield configured(app, idp)
    app.stop()


def test_sqlite_file_that_cannot_be_opened(on_sqlite: AppServer) -> None:
    app = on_sqlite
    database = app.data_dir / "socialservices.db"
    away = database.with_name("away.db")
    with (
        httpx.Client(base_url=app.base_url) as person,
        httpx.Client(base_url=app.base_url) as signing_in,
    ):
        sign_in(person)
        callback_url = begin_sign_in(signing_in)

        database.rename(away)
        database.mkdir()  # the path is there, and no database can be opened at it
        took = wait_for(lambda: health(app) == 503, 15)
        assert took < FEW_SECONDS  # every connection opens its file again within seconds
        assert_unavailable_pages(person)
        assert_sign_in_told_to_start_again(signing_in, callback_url)

        database.rmdir()
        away.rename(database)
        wait_for(lambda: health(app) == 200, 15)
        assert signed_in(person)
        sign_in(signing_in)
    assert_logged_as_outage(app)
