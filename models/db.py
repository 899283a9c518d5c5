"""Database engine and sessions: SQLite by default, PostgreSQL by URL, same code.

The engine is configured once by the application (or a test) and shared; data
functions take a ``Session`` so callers decide where a transaction starts and ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, event, text
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
    """A database URL we cannot use."""


class DatabaseUnavailableError(RuntimeError):
    """The database did not answer."""


def normalize_database_url(url: str) -> str:
    """Pick the driver we ship for a plain ``sqlite:///`` or ``postgresql://`` URL."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUrlError(
            "not a database URL (expected sqlite:///PATH or postgresql://USER@HOST:PORT/DB)"
        ) from None
    driver = DRIVERS.get(parsed.drivername)
    if driver is None:
        raise DatabaseUrlError(
            f"unsupported database '{parsed.drivername}' (use sqlite or postgresql)"
        )
    if driver == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise DatabaseUrlError("a SQLite URL needs a file path: sqlite:///PATH")
    if driver != "sqlite" and not parsed.database:
        raise DatabaseUrlError("a PostgreSQL URL needs a database name: .../DB")
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def make_engine(url: str) -> Engine:
    """An engine for a normalized URL, with SQLite set up for a web server's concurrency."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url, pool_pre_ping=True, connect_args={"connect_timeout": 5}, pool_size=5, max_overflow=10
    )


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def check_connection(engine: Engine) -> None:
    """Raise DatabaseUnavailableError with the driver's own one-line reason."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any driver error means "cannot use it"
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise DatabaseUnavailableError(reason) from None


_engine: Engine | None = None


def configure(engine: Engine) -> None:
    """Make ``engine`` the one that ``session_scope`` uses."""
    global _engine
    if _engine is not None and _engine is not engine:
        _engine.dispose()
    _engine = engine


def get_engine() -> Engine:
    if _engine is None:
        raise RuntimeError("the database engine is not configured")
    return _engine


@contextmanager
def session_scope() -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back when it raises."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
