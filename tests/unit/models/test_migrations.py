"""Alembic owns the schema: the migrations build exactly what the tables declare."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text
from sqlmodel import Session, SQLModel, select

from models import db, migrate
from models.tables import Group, LinkedAccount, Membership, RegistrationOptions, Site, User
from models.users import create_user


def test_fresh_database_reaches_head_with_schema_equal_to_the_tables(engine: Engine) -> None:
    assert migrate.current_revision(engine) == migrate.head_revision()
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []


def test_upgrade_is_idempotent(engine: Engine) -> None:
    tables_before = set(inspect(engine).get_table_names())
    migrate.upgrade(engine)
    assert set(inspect(engine).get_table_names()) == tables_before
    with Session(engine) as session:
        assert len(session.exec(select(Group)).all()) == 2  # built-in rows not inserted twice


def test_built_in_rows_exist(engine: Engine) -> None:
    with Session(engine) as session:
        codes = {group.code for group in session.exec(select(Group))}
        assert codes == {"administrators", "registered"}
        site = session.get(Site, "s1")
        assert site is not None and site.is_default and not site.individual_settings
        options = session.get(RegistrationOptions, 1)
        assert options is not None
        assert options.allow_self_registration is False
        assert options.allow_social_registration is True


def test_every_migration_downgrades_and_upgrades_again(engine: Engine) -> None:
    config = migrate.alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()


REBUILD_USERS = '''
"""test only: rebuild the users table, as SQLite needs for most column changes"""
import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:  # SQLite: a rebuild; PostgreSQL: ALTER
        batch.alter_column("first_name", existing_type=sa.String(100), nullable=True)


def downgrade() -> None:
    pass
'''


def test_rebuilding_a_table_keeps_the_rows_that_refer_to_it(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Session(engine) as session:
        create_user(
            session,
            login="root",
            email=None,
            password=None,
            groups=("administrators", "registered"),
        )
        session.commit()
    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, scripts)
    (scripts / "versions" / "9999_rebuild.py").write_text(
        REBUILD_USERS.format(head=migrate.head_revision())
    )
    monkeypatch.setattr(migrate, "MIGRATIONS", scripts)
    migrate.upgrade(engine)
    with Session(engine) as session:
        assert len(session.exec(select(Membership)).all()) == 2


def test_a_failing_migration_leaves_nothing_behind(database_url: str) -> None:
    engine = db.make_engine(db.normalize_database_url(database_url))
    with engine.begin() as connection:  # a table in the way of the first migration
        connection.execute(text("CREATE TABLE users (id INTEGER PRIMARY KEY)"))
    with pytest.raises(Exception):  # noqa: B017 (the driver's own error type)
        migrate.upgrade(engine)
    assert set(inspect(engine).get_table_names()) == {"users"}
    engine.dispose()


def test_times_come_back_in_utc_whatever_the_server_zone(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite stores no time zone; this is about PostgreSQL's session zone")
    url = db.normalize_database_url(database_url)
    migrate.upgrade(db.make_engine(url))
    moscow = create_engine(url, connect_args={"options": "-c timezone=Europe/Moscow"})
    with Session(moscow) as session:
        user = create_user(session, login="alice", email=None, password=None)
        session.commit()
        session.expire_all()
        assert session.get(User, user.id).created_at.utcoffset() == timedelta(0)  # type: ignore[union-attr]
    moscow.dispose()


def test_names_of_existing_users_become_searchable(engine: Engine) -> None:
    """Users written before the search keys existed get them from the migration, lowered
    in every alphabet, so the administrators' search finds them."""
    config = migrate.alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
        connection.execute(
            text(
                "INSERT INTO users (login, login_lower, first_name, last_name, is_active,"
                " created_at, version) VALUES (:login, :login, :first, :last, true,"
                " CURRENT_TIMESTAMP, 1)"
            ),
            [
                {"login": f"old{number}", "first": first, "last": "ЁЛКИНА"}
                for number, first in enumerate(["Ирина", "Zoë", "ANNA"])
            ],
        )
    migrate.upgrade(engine)
    with Session(engine) as session:
        rows = session.exec(
            select(User.first_name_lower, User.last_name_lower).order_by(User.login)
        ).all()
    assert [tuple(row) for row in rows] == [
        ("ирина", "ёлкина"),
        ("zoë", "ёлкина"),
        ("anna", "ёлкина"),
    ]


def test_addresses_a_service_vouched_for_become_verified(engine: Engine) -> None:
    """Before addresses had a verified mark, the only proof was a linked service's
    ``email_verified`` for that very address: those become verified, the rest do not."""
    with Session(engine) as session:
        vouched = create_user(session, login="vouched", email="Ann@example.org", password=None)
        typed = create_user(session, login="typed", email="bob@example.org", password=None)
        for user, verified in ((vouched, True), (typed, False)):
            assert user.id is not None
            session.add(
                LinkedAccount(
                    user_id=user.id,
                    service_id="yandex",
                    provider="yandex",
                    external_id=user.login,
                    site_id="s1",
                    email=(user.email or "").upper(),
                    email_verified=verified,
                )
            )
        session.commit()
    config = migrate.alembic_config()
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":  # as migrate.upgrade: rebuilt tables keep refs
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        with connection.begin():
            config.attributes["connection"] = connection
            command.downgrade(config, "0015")
    migrate.upgrade(engine)
    with Session(engine) as session:
        rows = session.exec(select(User.login, User.email_verified).order_by(User.login)).all()
    assert [tuple(row) for row in rows] == [("typed", False), ("vouched", True)]


def test_processes_upgrading_a_fresh_database_at_once_take_turns(database_url: str) -> None:
    """Two app processes started together on one new database: both come up, the schema
    is built once (on PostgreSQL an advisory lock makes the second wait and find it done)."""
    url = db.normalize_database_url(database_url)
    engines = [db.make_engine(url) for _ in range(2)]
    with ThreadPoolExecutor(2) as pool:
        for future in [pool.submit(migrate.upgrade, engine) for engine in engines]:
            future.result()
    assert migrate.current_revision(engines[0]) == migrate.head_revision()
    with Session(engines[0]) as session:
        assert len(session.exec(select(Group)).all()) == 2
    for engine in engines:
        engine.dispose()
