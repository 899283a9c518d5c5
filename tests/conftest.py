"""Every test runs with its own DATA_DIR and database, never the developer's ./data, and
without the developer's outgoing proxy (the services it talks to are fakes on 127.0.0.1)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

TEST_DATABASE_URL = os.environ.get("SOCIALSERVICES_TEST_DATABASE_URL", "")


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point every SOCIALSERVICES_ setting at a fresh temporary installation."""
    for name in list(os.environ):
        if name.startswith("SOCIALSERVICES_") and name != "SOCIALSERVICES_TEST_DATABASE_URL":
            monkeypatch.delenv(name)
        if name.lower().endswith("_proxy"):  # http_proxy, NO_PROXY...: tests set their own
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no developer .env is read
    data_dir = tmp_path / "data"
    monkeypatch.setenv("SOCIALSERVICES_DATA_DIR", str(data_dir))
    yield data_dir


@contextmanager
def fresh_database(directory: Path) -> Iterator[str]:
    """A fresh empty database: SQLite in ``directory``, or a new PostgreSQL database
    (dropped afterwards) when SOCIALSERVICES_TEST_DATABASE_URL names a server
    (``make test-pg``)."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{directory / 'test.db'}"
        return
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(TEST_DATABASE_URL)
    name = f"socialservices_test_{uuid.uuid4().hex[:12]}"
    admin_dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A fresh empty database for one test (see ``fresh_database``)."""
    with fresh_database(tmp_path) as url:
        yield url
