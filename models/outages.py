"""Which database failures are the database being away or full, not a fault of ours.

A page that fails because PostgreSQL is stopped, the SQLite file cannot be opened or its
disk is full should tell the visitor to try again later (HTTP 503), and the log should
say which it was, in one line: a traceback there would send the operator looking for a
bug. A statement's own fault (a syntax error, a missing column, a refused value) stays a
failure of ours with its traceback.
"""

from __future__ import annotations

import sqlite3
import sys
from enum import StrEnum

from sqlalchemy import exc

from models.db import DatabaseUnavailableError


class Outage(StrEnum):
    UNAVAILABLE = "unavailable"  # cannot be reached or opened, stopped, locked
    FULL = "full"  # reached, but it cannot store anything more


#: what SQLite says when the file, its disk or its lock is the problem (its other
#: "OperationalError"s are a statement's faults: no such table, syntax error)
_SQLITE_AWAY = (
    "unable to open database file",
    "disk i/o error",
    "database is locked",
    "attempt to write a readonly database",
    "file is not a database",
)
_SQLITE_FULL = "database or disk is full"


def outage(error: BaseException) -> Outage | None:
    """What ``error`` says of the database, or None when it is no outage."""
    if isinstance(error, (DatabaseUnavailableError, exc.TimeoutError, exc.DisconnectionError)):
        return Outage.UNAVAILABLE
    cause = error.orig if isinstance(error, exc.DBAPIError) else error
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return Outage.UNAVAILABLE
    psycopg = sys.modules.get("psycopg")  # not loaded: no PostgreSQL, and no error of it
    if psycopg is not None:
        if isinstance(cause, psycopg.errors.DiskFull):
            return Outage.FULL
        if isinstance(cause, (psycopg.OperationalError, psycopg.InterfaceError)):
            return Outage.UNAVAILABLE
    if isinstance(cause, sqlite3.OperationalError):
        message = str(cause).lower()
        if _SQLITE_FULL in message:
            return Outage.FULL
        if any(part in message for part in _SQLITE_AWAY):
            return Outage.UNAVAILABLE
    return None
