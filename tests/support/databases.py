"""A fresh database for a test: SQLite by default, PostgreSQL under ``make test-pg``."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TEST_DATABASE_URL = os.environ.get("SOCIALSERVICES_TEST_DATABASE_URL", "")


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
