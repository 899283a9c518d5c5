"""Plain database URLs get the driver we ship; bad ones get a clear reason."""

from __future__ import annotations

import pytest

from models.db import DatabaseUrlError, normalize_database_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///data/app.db", "sqlite:///data/app.db"),
        ("sqlite:////var/lib/app.db", "sqlite:////var/lib/app.db"),
        (
            "postgresql://postgres@127.0.0.1:5432/test",
            "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        ),
        ("postgres://u:p%40ss@db/app", "postgresql+psycopg://u:p%40ss@db/app"),
    ],
)
def test_driver_is_chosen(given: str, expected: str) -> None:
    assert normalize_database_url(given) == expected


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("nonsense", "not a database URL"),
        ("mysql://root@localhost/db", "unsupported database 'mysql'"),
        ("sqlite://", "needs a file path"),
        ("postgresql://postgres@127.0.0.1:5432", "needs a database name"),
    ],
)
def test_bad_urls_are_explained(given: str, reason: str) -> None:
    with pytest.raises(DatabaseUrlError, match=reason):
        normalize_database_url(given)
