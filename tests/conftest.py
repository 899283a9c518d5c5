"""Every test runs with its own DATA_DIR and database, never the developer's ./data, and
without the developer's outgoing proxy (the services it talks to are fakes on 127.0.0.1)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import fresh_database


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
