"""Alembic owns the schema: the migrations build exactly what the tables declare."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlmodel import Session, SQLModel, select

from models import migrate
from models.tables import Group, RegistrationOptions, Site


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
