"""Every test runs with its own DATA_DIR and database, never the developer's ./data, and
without the developer's outgoing proxy (the services it talks to are fakes on 127.0.0.1).

A test's new database is brought to the newest schema by copying one migrated once per
run (``MigratedTemplates``), except in the tests of the migrations themselves."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2.profiles import CHEAPEST

from models import migrate, passwords
from tests.support.databases import MigratedTemplates, fresh_database

#: test modules about the migrations themselves: they always run them
RUN_THE_MIGRATIONS = {"test_migrations.py", "test_migrated_templates.py"}


def pytest_configure(config: pytest.Config) -> None:
    """Passwords hashed at argon2's cheapest cost: the tests check what a hash does, not
    what it costs, and at the real cost each took 0.2 s of processor time."""
    passwords.use_parameters(CHEAPEST)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Everything imported so far lives until the run ends: leave it out of the garbage
    collector's full passes. NiceGUI's test fixture collects twice per test, and with the
    whole application and its libraries in the heap each pass took about 0.2 s."""
    gc.collect()
    gc.freeze()


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory: pytest.TempPathFactory) -> MigratedTemplates:
    return MigratedTemplates(tmp_path_factory.mktemp("templates"), migrate.upgrade)


@pytest.fixture(autouse=True)
def migrations_from_a_template(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    migrated_templates: MigratedTemplates,
) -> None:
    if request.path.name not in RUN_THE_MIGRATIONS:
        monkeypatch.setattr(migrate, "upgrade", migrated_templates.upgrade)


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


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A fresh empty database for one test (see ``fresh_database``)."""
    with fresh_database(tmp_path) as url:
        yield url
