"""The tests' shortcut to the newest schema (``MigratedTemplates``) gives a database equal
to the one the migrations make, so that no test sees anything the application would not."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

from models import db, migrate
from tests.support.databases import MigratedTemplates


def _engine(path: Path) -> Engine:
    return db.make_engine(f"sqlite:///{path}")


def _definition(sql: str | None) -> list[str]:
    """A CREATE statement's lines in order of their text: the migrations themselves list
    a rebuilt table's constraints in no fixed order (two real upgrades differ so)."""
    return sorted(line.strip().rstrip(",") for line in (sql or "").splitlines())


def _contents(path: Path) -> dict[str, object]:
    """Schema, settings and every row; the pairwise salt apart (drawn at random)."""
    with closing(sqlite3.connect(path)) as connection:
        schema = sorted(
            (kind, name, table, _definition(sql))
            for kind, name, table, sql in connection.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_master"
            )
        )
        tables = [row[1] for row in schema if row[0] == "table"]
        rows = {
            table: sorted(connection.execute(f'SELECT * FROM "{table}"'), key=repr)
            for table in tables
            if table != "provider_options"
        }
        return {
            "schema": schema,
            "rows": rows,
            "journal_mode": connection.execute("PRAGMA journal_mode").fetchone()[0],
            "user_version": connection.execute("PRAGMA user_version").fetchone()[0],
            "provider_options": connection.execute(
                "SELECT count(*) FROM provider_options"
            ).fetchone()[0],
        }


def _salt(path: Path) -> str:
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute("SELECT pairwise_salt FROM provider_options").fetchone()[0]


@pytest.mark.parametrize("token_encryption", [True, False])
def test_a_copy_equals_what_the_migrations_make(tmp_path: Path, token_encryption: bool) -> None:
    templates = MigratedTemplates(tmp_path, migrate.upgrade)
    for name, upgrade in [("migrated.db", migrate.upgrade), ("copied.db", templates.upgrade)]:
        engine = _engine(tmp_path / name)
        upgrade(engine, token_encryption=token_encryption)
        with engine.connect() as connection:  # the engine's other connections see it all
            assert migrate.current_revision(engine) == migrate.head_revision()
            assert "users" in inspect(connection).get_table_names()
        engine.dispose()
    migrated, copied = _contents(tmp_path / "migrated.db"), _contents(tmp_path / "copied.db")
    assert copied == migrated
    assert copied["journal_mode"] == "wal"


def test_each_copy_draws_its_own_pairwise_salt(tmp_path: Path) -> None:
    templates = MigratedTemplates(tmp_path, migrate.upgrade)
    for name in ["first.db", "second.db"]:
        engine = _engine(tmp_path / name)
        templates.upgrade(engine)
        engine.dispose()
    salts = {_salt(tmp_path / name) for name in ["first.db", "second.db", "encrypted.db"]}
    assert len(salts) == 3
    assert all(len(salt) == 64 for salt in salts)


def test_a_database_with_tables_gets_the_real_migrations(tmp_path: Path) -> None:
    """As ``test_a_failing_migration_leaves_nothing_behind``: a table in the way fails."""
    templates = MigratedTemplates(tmp_path, migrate.upgrade)
    engine = _engine(tmp_path / "taken.db")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE users (id INTEGER PRIMARY KEY)"))
    with pytest.raises(Exception):  # noqa: B017 (the driver's own error type)
        templates.upgrade(engine)
    assert set(inspect(engine).get_table_names()) == {"users"}
    engine.dispose()
