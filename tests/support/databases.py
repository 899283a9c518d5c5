"""A fresh database for a test: SQLite by default, PostgreSQL under ``make test-pg``; and
SQLite databases brought to the newest schema by copying one migrated once per run."""

from __future__ import annotations

import os
import secrets
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from sqlalchemy import Engine

from models import db

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


Upgrade = Callable[..., None]


class MigratedTemplates:
    """``upgrade`` as ``models.migrate.upgrade`` does it, faster for the common case.

    Running every migration on a new SQLite database took about a second of processor
    time, and most tests start from one (each app start in a test, each ``engine``
    fixture). The result is always the same, so the migrations run once per run and
    token-encryption choice into a template, and a new empty SQLite database brought to
    the head gets the template's pages (SQLite's backup API, which keeps the database's
    WAL mode) instead. Anything else (PostgreSQL, a revision other than the head, a
    database that has tables already) runs the real migrations: on PostgreSQL a copy
    (``CREATE DATABASE ... TEMPLATE`` and the drop before it) took longer than the
    migrations themselves. The one value the migrations make at random,
    the provider's pairwise salt, is drawn anew for each copy, so that two databases of a
    test differ as two real installations do."""

    def __init__(self, directory: Path, real_upgrade: Upgrade) -> None:
        self._directory = directory
        self._real_upgrade = real_upgrade
        self._templates: dict[bool, Path] = {}

    def upgrade(
        self, engine: Engine, revision: str = "head", *, token_encryption: bool = True
    ) -> None:
        if revision != "head" or engine.dialect.name != "sqlite":
            self._real_upgrade(engine, revision, token_encryption=token_encryption)
            return
        template = self._template(token_encryption)
        connection = engine.raw_connection()
        try:
            target = connection.driver_connection
            assert isinstance(target, sqlite3.Connection)
            if target.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                copied = False
            else:
                with closing(sqlite3.connect(template)) as source:
                    source.backup(target)
                target.execute(
                    "UPDATE provider_options SET pairwise_salt = ?", (secrets.token_hex(32),)
                )
                copied = True
        finally:
            connection.close()
        if not copied:
            self._real_upgrade(engine, revision, token_encryption=token_encryption)

    def _template(self, token_encryption: bool) -> Path:
        template = self._templates.get(token_encryption)
        if template is None:
            name = "encrypted.db" if token_encryption else "plain.db"
            template = self._directory / name
            engine = db.make_engine(f"sqlite:///{template}")
            try:
                self._real_upgrade(engine, token_encryption=token_encryption)
            finally:
                engine.dispose()
            self._templates[token_encryption] = template
        return template
