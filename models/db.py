"""Database engine and sessions: SQLite by default, PostgreSQL by URL, same code.

The engine is configured once by the application (or a test) and shared; data
functions take a ``Session`` so callers decide where a transaction starts and ends.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlmodel import Session, create_engine

DRIVERS = {
    "sqlite": "sqlite",
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
}


class DatabaseUrlError(ValueError):
    """A database URL we cannot use; ``code`` says why (the application words it)."""

    def __init__(self, code: str, message: str, **params: str) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class DatabaseUnavailableError(RuntimeError):
    """The database did not answer."""


def normalize_database_url(url: str) -> str:
    """Pick the driver we ship for a plain ``sqlite:///`` or ``postgresql://`` URL."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUrlError("malformed", "not a database URL") from None
    driver = DRIVERS.get(parsed.drivername)
    if driver is None:
        raise DatabaseUrlError(
            "unsupported", f"unsupported database '{parsed.drivername}'", driver=parsed.drivername
        )
    if driver == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise DatabaseUrlError("sqlite_path", "a SQLite URL needs a file path")
    if driver != "sqlite" and not parsed.database:
        raise DatabaseUrlError("postgresql_database", "a PostgreSQL URL needs a database name")
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def make_engine(url: str) -> Engine:
    """An engine for a normalized URL, with SQLite set up for a web server's concurrency.

    For SQLite the driver's own transaction handling is switched off and SQLAlchemy
    issues the BEGIN itself (SQLAlchemy's documented recipe), so that schema changes are
    transactional too. It is BEGIN IMMEDIATE (except in ``read_scope``): a transaction
    that starts reading and then writes would otherwise fail at once with "database is
    locked" when another one wrote meanwhile; taking the write lock first makes
    concurrent transactions wait their turn (up to the 30 s busy timeout) instead. Short
    transactions keep that wait small; many writers at once are what PostgreSQL is for.
    A new database file is created readable by its owner only: it holds password hashes.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            path = Path(parsed.database)
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30, "isolation_level": None},
            pool_recycle=SQLITE_CONNECTION_SECONDS,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(
        url, pool_pre_ping=True, connect_args={"connect_timeout": 5}, pool_size=5, max_overflow=10
    )


#: how long a SQLite connection is used before it is opened again. An open connection
#: reads its file through a handle, not its path: had it lived on, a file replaced under
#: the running app (restored from a backup) or taken away (moved, its permissions or
#: disk gone) would be seen by the connections opened since and not by the older ones,
#: which would go on writing into the file nobody reads. Opened again, every connection
#: sees the file at the path within seconds, and an outage shows as one (our "temporarily
#: unavailable" page). Opening costs about 0.2 ms, once in this many seconds.
SQLITE_CONNECTION_SECONDS = 3
#: an execution option: this transaction only reads (see ``read_scope``)
READ_ONLY = "socialservices_read_only"
#: tries at switching a new SQLite database to WAL, 50 ms apart (see ``_switch_to_wal``)
WAL_SWITCH_ATTEMPTS = 200


def _sqlite_begin(connection: Connection) -> None:
    """BEGIN IMMEDIATE (see ``make_engine``), or a plain BEGIN for a transaction that only
    reads: it needs no write lock, so it neither waits for writers nor holds them up."""
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _switch_to_wal(cursor: sqlite3.Cursor) -> None:
    """WAL is kept in the file: only a new database's first connection changes it. That
    change needs the file to itself, and SQLite answers "database is locked" at once,
    without waiting out the busy timeout, when several processes open a new database
    together (a first start of two app processes): then it is tried again shortly."""
    for attempt in range(WAL_SWITCH_ATTEMPTS):
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == WAL_SWITCH_ATTEMPTS - 1:
                raise
            time.sleep(0.05)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL with ``synchronous=NORMAL``, SQLite's advice for WAL: a commit is not flushed
    to the disk by itself (the WAL is, at each checkpoint), so a sign-in is not held up
    by several disk flushes. The database stays consistent whatever happens, and nothing
    is lost when the app stops or crashes; only a power cut or an operating-system crash
    may undo the last transactions before it."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    _switch_to_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def check_connection(engine: Engine) -> None:
    """Raise DatabaseUnavailableError with the driver's own one-line reason."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any driver error means "cannot use it"
        raise DatabaseUnavailableError(driver_reason(error)) from None


def driver_reason(error: BaseException) -> str:
    """The driver's first line about ``error``, for the log or the operator's terminal
    (never for a page: it may name hosts, files and values)."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__


_engine: Engine | None = None
_writers = threading.RLock()  # see session_scope
_reader: Engine | None = None  # the same engine and pool, for read_scope


def configure(engine: Engine) -> None:
    """Make ``engine`` the one that ``session_scope`` and ``read_scope`` use."""
    global _engine, _reader
    if _engine is not None and _engine is not engine:
        _engine.dispose()
    _engine = engine
    _reader = engine.execution_options(**{READ_ONLY: True})


def is_embedded() -> bool:
    """SQLite: the database is a file that this process reads and writes itself."""
    return get_engine().dialect.name == "sqlite"


def get_engine() -> Engine:
    if _engine is None:
        raise RuntimeError("the database engine is not configured")
    return _engine


@contextmanager
def session_scope() -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back when it raises.

    On SQLite the transactions of this process that may write take turns on a lock of
    the process first. SQLite itself makes a writer that finds the database locked sleep
    and look again (1, 2, 5, 10 ms and longer), so several sign-ins at once spent most
    of their time asleep; a lock hands over the moment the other one commits."""
    turn = _writers if is_embedded() else nullcontext()
    with turn, _transaction(get_engine()) as session:
        yield session


@contextmanager
def read_scope() -> Iterator[Session]:
    """A transaction that only reads. On SQLite it takes no write lock, so it neither
    waits for writers nor holds them up. Do not write in it: on SQLite such a write fails
    at once with "database is locked" when another transaction wrote meanwhile."""
    if _reader is None:
        raise RuntimeError("the database engine is not configured")
    with _transaction(_reader) as session:
        yield session


@contextmanager
def read_connection() -> Iterator[Connection]:
    """As ``read_scope`` for a few Core statements, without the ORM's session: for a read
    asked on every request (forward auth), where the session was a third of its cost."""
    if _reader is None:
        raise RuntimeError("the database engine is not configured")
    with _reader.connect() as connection:
        yield connection


@contextmanager
def _transaction(bind: Engine) -> Iterator[Session]:
    with Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
