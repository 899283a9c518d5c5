"""A backup of the whole database as one SQLite file, from SQLite or PostgreSQL, and back.

One format for both databases: a SQLite file at this version's schema, readable with any
``sqlite3``, restorable into either (so a backup is also the way from SQLite to
PostgreSQL). Its rows are read in one transaction while the app goes on writing: on
PostgreSQL a ``REPEATABLE READ`` snapshot, on SQLite a read transaction, which sees the
database as of its first read. Its schema version is the Alembic revision in it, with
what ``INFO_TABLE`` says of where it came from. The encryption keys are never in the
database, so never in a backup: the values they seal are copied sealed.

Both sides are written through this version's own tables (``SQLModel.metadata``), whose
column types know how each database stores a time or a JSON value; so a database is
backed up only at this version's schema, and an older backup is first brought to it
(its migrations run on a copy of the file).
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlmodel import SQLModel

from models import migrate
from models.db import READ_ONLY, make_engine
from models.tables import utcnow  # and with it every table, in SQLModel.metadata

#: a table of the backup's own: when it was made, from which database
INFO_TABLE = "socialservices_backup"
#: rows read and written at a time
BATCH = 1000


class BackupError(RuntimeError):
    """A backup that cannot be made or restored; ``code`` names why, for the caller's
    words, ``params`` fill them."""

    def __init__(self, code: str, **params: str) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class BackupInfo:
    revision: str
    made_at: datetime
    source: str  # "sqlite" or "postgresql"
    rows: int


_info = Table(
    INFO_TABLE,
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("revision", String(64), nullable=False),
    Column("made_at", DateTime, nullable=False),
    Column("source", String(20), nullable=False),
    Column("row_count", Integer, nullable=False),
)


def _tables() -> list[Table]:
    """This version's tables, each after those it refers to."""
    return list(SQLModel.metadata.sorted_tables)


def _copy_rows(source: Connection, target: Connection) -> int:
    """Every row of every table, in batches; returns how many."""
    count = 0
    for table in _tables():
        rows = source.execution_options(yield_per=BATCH).execute(select(table))
        for batch in rows.partitions(BATCH):
            target.execute(insert(table), [dict(row._mapping) for row in batch])
            count += len(batch)
    return count


def _empty(target: Connection) -> None:
    """Take out the rows a new schema's migrations put in (the default site, groups...):
    the backup's own take their place."""
    for table in reversed(_tables()):
        target.execute(delete(table))


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One transaction that only reads and sees one moment of the database."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                connection.execute(text("SET TRANSACTION READ ONLY"))
                yield connection
        return
    with (
        engine.execution_options(**{READ_ONLY: True}).connect() as connection,
        connection.begin(),
    ):
        yield connection


def write_backup(source: Engine, path: Path) -> BackupInfo:
    """Copy ``source`` (at this version's schema) into a new SQLite file at ``path``,
    written beside it and renamed when complete: a failure leaves no file there."""
    revision = migrate.current_revision(source)
    head = migrate.head_revision()
    if revision is None:
        raise BackupError("no_schema")
    if revision != head:
        raise BackupError("not_current", revision=revision, head=head)
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    target = make_engine(f"sqlite:///{partial}")
    try:
        migrate.upgrade(target)
        with _snapshot(source) as reading, target.begin() as writing:
            _empty(writing)
            rows = _copy_rows(reading, writing)
            _info.create(writing)
            made_at = utcnow().replace(tzinfo=None)
            writing.execute(
                insert(_info),
                {
                    "revision": revision,
                    "made_at": made_at,
                    "source": source.dialect.name,
                    "row_count": rows,
                },
            )
        target.dispose()
        with closing(sqlite3.connect(partial)) as single:  # one file: the log folded in
            single.execute("PRAGMA journal_mode=DELETE")
    except BaseException:
        target.dispose()
        for leftover in (partial, *sidecars(partial)):
            leftover.unlink(missing_ok=True)
        raise
    partial.replace(path)
    return BackupInfo(revision, made_at, source.dialect.name, rows)


def sidecars(path: Path) -> tuple[Path, Path]:
    """A SQLite file's log and shared-memory files."""
    return path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")


def read_info(path: Path) -> BackupInfo:
    """What a backup file says of itself; BackupError("not_a_backup") for any other file.
    Read with SQLite's read-only mode: looking changes nothing in the file."""
    if not path.is_file():
        raise BackupError("missing", path=str(path))
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            row = db.execute(
                f"SELECT revision, made_at, source, row_count FROM {INFO_TABLE}"
            ).fetchone()
    except sqlite3.Error:  # not SQLite at all, damaged, or no backup of ours
        raise BackupError("not_a_backup", path=str(path)) from None
    if row is None:
        raise BackupError("not_a_backup", path=str(path))
    revision, made_at, source, rows = row
    return BackupInfo(revision, datetime.fromisoformat(made_at), source, rows)


@contextmanager
def current_copy(path: Path, info: BackupInfo, work: Path) -> Iterator[Engine]:
    """The backup as an engine at this version's schema: a copy of the file in ``work``,
    brought up to date by the migrations when it is older. BackupError("newer") when
    this version does not know its schema."""
    if not migrate.knows_revision(info.revision):
        raise BackupError("newer", revision=info.revision)
    copy = work / "restoring.db"
    shutil.copyfile(path, copy)
    engine = make_engine(f"sqlite:///{copy}")
    try:
        with engine.begin() as connection:
            _info.drop(connection)
        migrate.upgrade(engine)
        yield engine
    finally:
        engine.dispose()


def is_empty(target: Engine) -> bool:
    """A database that holds no table of ours and no schema version: a new one."""
    names = set(inspect(target).get_table_names())
    return "alembic_version" not in names and not names & set(SQLModel.metadata.tables)


def restore_into(backup: Engine, target: Engine) -> int:
    """Create this version's schema in the empty ``target`` and fill it with the backup's
    rows, in one transaction; returns how many. On failure ``target`` is empty again."""
    try:
        migrate.upgrade(target)
        with backup.connect() as reading, target.begin() as writing:
            _empty(writing)
            rows = _copy_rows(reading, writing)
            if target.dialect.name == "postgresql":
                _continue_sequences(writing)
    except BaseException:
        with target.begin() as connection:
            SQLModel.metadata.drop_all(connection)
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        raise
    return rows


def _continue_sequences(connection: Connection) -> None:
    """A serial id goes on after the highest restored one, not from 1."""
    for table in _tables():
        for column in table.primary_key.columns:
            if not isinstance(column.type, Integer) or not column.autoincrement:
                continue
            sequence = connection.execute(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": table.name, "column": column.name},
            ).scalar()
            if sequence is None:
                continue
            highest = connection.execute(select(func.max(column))).scalar()
            connection.execute(
                text("SELECT setval(:sequence, :value, :called)"),
                {"sequence": sequence, "value": highest or 1, "called": highest is not None},
            )
