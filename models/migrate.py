"""Bringing a database to the schema this code expects (Alembic, run in-process).

On PostgreSQL an upgrade holds an advisory lock for its transaction, so that several app
processes started at once upgrade one after another (the later ones find nothing to do).
On SQLite the whole upgrade runs in one transaction (the engine issues BEGIN itself, see
``models.db``) with foreign keys switched off, as SQLite's documented procedure for
altering tables requires: rebuilding a table must not cascade-delete the rows that refer
to it. Foreign keys are checked once the migrations are done.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine, text

MIGRATIONS = Path(__file__).parent / "migrations"
#: the PostgreSQL advisory lock an upgrade holds (b"socialsv" as a number)
UPGRADE_LOCK = int.from_bytes(b"socialsv", "big") >> 1


class MigrationError(RuntimeError):
    """The migrations ran but left the database inconsistent (nothing was committed)."""


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def knows_revision(revision: str) -> bool:
    """Whether ``revision`` is one of this version's migrations (a newer one is not)."""
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head", *, token_encryption: bool = True) -> None:
    """Apply every migration not yet applied, all of them or none.

    ``token_encryption`` False: a database created now keeps tokens in plain text (for
    one that receives plain-text tokens from elsewhere); it changes nothing later.
    """
    config = alembic_config()
    config.attributes["token_encryption"] = token_encryption
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:  # must happen outside a transaction, where SQLite ignores it
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with connection.begin():
                if not sqlite:  # app processes starting at once upgrade one after another
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": UPGRADE_LOCK}
                    )
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                if sqlite:
                    broken = connection.execute(text("PRAGMA foreign_key_check")).fetchall()
                    if broken:
                        raise MigrationError(
                            f"foreign keys broken in: {sorted({row[0] for row in broken})}"
                        )
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
