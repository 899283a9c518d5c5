"""Which database failures are an outage (``models.outages``): each caused for real, on
SQLite and on PostgreSQL, through SQLAlchemy as the app meets them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from models import db
from models.outages import Outage, outage
from tests.support.app_server import free_port


def failure_of(engine: Engine, statement: str) -> SQLAlchemyError:
    with pytest.raises(SQLAlchemyError) as caught, engine.begin() as connection:
        for part in statement.split(";"):
            connection.execute(text(part))
    return caught.value


def test_a_sqlite_file_that_cannot_be_opened_is_unavailable(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'away.db'}")
    (tmp_path / "away.db").unlink()
    (tmp_path / "away.db").mkdir()  # its path taken: nothing can open it
    error = failure_of(engine, "SELECT 1")
    assert outage(error) is Outage.UNAVAILABLE
    engine.dispose()


def test_a_full_sqlite_database_is_full(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'small.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (v TEXT)"))
    # SQLite's own ceiling: it answers as for a full disk (SQLITE_FULL)
    error = failure_of(
        engine,
        "PRAGMA max_page_count = 3; INSERT INTO t SELECT hex(randomblob(900))"
        " FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50)"
        " SELECT i FROM n)",
    )
    assert outage(error) is Outage.FULL
    engine.dispose()


def test_a_statements_own_fault_is_no_outage(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'ok.db'}")
    assert outage(failure_of(engine, "SELECT * FROM no_such_table")) is None
    assert outage(failure_of(engine, "SELEKT 1")) is None
    assert outage(ValueError("not a database error")) is None
    engine.dispose()


def test_a_postgresql_that_refuses_connections_is_unavailable() -> None:
    engine = db.make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test")
    assert outage(failure_of(engine, "SELECT 1")) is Outage.UNAVAILABLE
    engine.dispose()


def test_the_health_checks_own_error_is_unavailable(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'gone.db'}")
    (tmp_path / "gone.db").unlink()
    (tmp_path / "gone.db").mkdir()
    with pytest.raises(db.DatabaseUnavailableError) as caught:
        db.check_connection(engine)
    assert outage(caught.value) is Outage.UNAVAILABLE
    assert "unable to open database file" in str(caught.value)
    engine.dispose()
