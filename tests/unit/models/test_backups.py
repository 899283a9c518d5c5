"""A backup file (``models.backups``): made from the test's database (SQLite, or
PostgreSQL under ``make test-pg``), restored into a new SQLite database, and refused
where it must be."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, func, select
from sqlmodel import Session, SQLModel

from models import db, migrate
from models.backups import (
    BackupError,
    current_copy,
    is_empty,
    read_info,
    restore_into,
    write_backup,
)
from models.tables import User
from models.users import create_user


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
        }


def new_sqlite(path: Path) -> Engine:
    return db.make_engine(f"sqlite:///{path}")


def test_a_backup_restores_every_row(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as session:
        create_user(session, login="ada", email="ada@example.org", password=None)
        session.commit()
    backup = tmp_path / "one.backup"
    info = write_backup(engine, backup)
    assert (info.revision, info.source) == (migrate.head_revision(), engine.dialect.name)
    assert read_info(backup) == info  # what the file says of itself
    assert not list(tmp_path.glob(".*partial*"))

    target = new_sqlite(tmp_path / "restored.db")
    assert is_empty(target)
    with current_copy(backup, info, tmp_path) as copy:
        assert restore_into(copy, target) == info.rows
    assert counts(target) == counts(engine)
    with Session(target) as session:
        assert [login for (login,) in session.execute(select(User.login))] == ["ada"]
        create_user(session, login="bob", email="bob@example.org", password=None)  # ids go on
        session.commit()
    assert not is_empty(target)
    target.dispose()


def test_a_file_that_is_no_backup_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE t (x)")
    (tmp_path / "text.backup").write_text("not a database")
    for path in (other, tmp_path / "text.backup"):
        with pytest.raises(BackupError) as refused:
            read_info(path)
        assert refused.value.code == "not_a_backup"
    with pytest.raises(BackupError) as missing:
        read_info(tmp_path / "nowhere.backup")
    assert missing.value.code == "missing"


def test_a_backup_of_a_newer_schema_is_refused(engine: Engine, tmp_path: Path) -> None:
    backup = tmp_path / "newer.backup"
    write_backup(engine, backup)
    with sqlite3.connect(backup) as connection:
        connection.execute("UPDATE socialservices_backup SET revision = 'f00dfeed1234'")
    with pytest.raises(BackupError) as refused, current_copy(backup, read_info(backup), tmp_path):
        pass
    assert refused.value.code == "newer"


def test_a_database_behind_this_versions_schema_is_not_backed_up(tmp_path: Path) -> None:
    old = new_sqlite(tmp_path / "old.db")
    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    (first,) = scripts.get_bases()
    migrate.upgrade(old, first)
    with pytest.raises(BackupError) as refused:
        write_backup(old, tmp_path / "old.backup")
    assert refused.value.code == "not_current"
    assert not (tmp_path / "old.backup").exists()
    old.dispose()
