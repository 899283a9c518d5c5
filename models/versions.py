"""Optimistic locking: every editable row carries a version that each change raises.

A form remembers the version it showed; saving claims that version with one atomic
UPDATE, so of two administrators editing the same thing the second is told instead of
overwriting (on SQLite and PostgreSQL alike, whatever the isolation level).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session


class StaleEditError(Exception):
    """The row was changed by someone else since the form was shown."""


def claim(session: Session, row: Any, expected: int | None) -> None:
    """Raise the row's version, refusing if it is no longer ``expected``.

    ``expected`` None: the caller knows no version (the config file, which replaces
    whatever is there); the version is raised all the same.
    """
    if expected is None:
        row.version += 1
        return
    mapper = inspect(type(row))
    identity = inspect(row).identity
    table = type(row)
    conditions = [
        column == value for column, value in zip(mapper.primary_key, identity, strict=True)
    ]
    result = session.exec(
        update(table).where(*conditions, table.version == expected).values(version=expected + 1)
    )
    if result.rowcount != 1:
        raise StaleEditError
    set_committed_value(row, "version", expected + 1)


def insert_new(session: Session, row: Any) -> None:
    """Insert a row that the form believed absent: if someone else inserted the same key
    meanwhile, the unique key refuses it and the editor hears "changed by someone else"
    (a savepoint keeps the rest of the transaction usable)."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise StaleEditError from None
