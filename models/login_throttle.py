"""Slowing down repeated failed local sign-ins for one account.

After ``FREE_FAILURES`` consecutive failures each further attempt must wait, doubling
from ``BASE_DELAY`` up to ``MAX_DELAY``. An attempt first reserves its turn with one
atomic UPDATE, so parallel attempts cannot slip past the count; the password is checked
only after that. The key is the account when the login or e-mail names one (so the login
and the e-mail share one count), else what was typed: the delay reveals nothing.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, delete, or_, update

from models.tables import LoginThrottle, utcnow

FREE_FAILURES = 3
BASE_DELAY = timedelta(seconds=2)
MAX_DELAY = timedelta(minutes=15)
IN_FLIGHT = timedelta(seconds=10)
FORGET_AFTER = timedelta(days=1)  # longest a password check may hold the turn


def throttle_key(*, user_id: int | None, identifier: str) -> str:
    """``user:<id>``, or a hash of an unknown login: people type passwords into the login
    field, and this key is stored and logged."""
    if user_id is not None:
        return f"user:{user_id}"
    return "login:" + hashlib.sha256(identifier.strip().lower().encode()).hexdigest()[:32]


def delay_after(failures: int) -> timedelta:
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(BASE_DELAY * 2 ** (failures - FREE_FAILURES), MAX_DELAY)


def begin_attempt(session: Session, key: str, *, now: datetime | None = None) -> int:
    """Reserve the turn to check a password: 0 when granted, else seconds to wait.

    Commit right after, before checking the password, so that others see the turn taken.
    """
    now = now or utcnow()
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.exec(
        insert(LoginThrottle)
        .values(login_key=key, failures=0, next_attempt_at=now)
        .on_conflict_do_nothing()
    )
    granted = session.exec(
        update(LoginThrottle)
        .where(
            col(LoginThrottle.login_key) == key,
            col(LoginThrottle.next_attempt_at) <= now,
            or_(
                col(LoginThrottle.in_flight_until).is_(None),
                col(LoginThrottle.in_flight_until) <= now,
            ),
        )
        .values(in_flight_until=now + IN_FLIGHT)
    ).rowcount
    if granted == 1:
        return 0
    row = session.get(LoginThrottle, key)
    assert row is not None
    session.refresh(row)
    until = max(row.next_attempt_at, row.in_flight_until or now)
    return max(1, math.ceil((until - now).total_seconds()))


def record_failure(session: Session, key: str) -> int:
    """End the turn with one more failure; returns the consecutive failures so far."""
    row = session.get(LoginThrottle, key)
    if row is None:  # removed meanwhile: count from scratch
        row = LoginThrottle(login_key=key)
    row.failures += 1
    row.next_attempt_at = utcnow() + delay_after(row.failures)
    row.in_flight_until = None
    session.add(row)
    return row.failures


def record_success(session: Session, key: str) -> None:
    """Clear the count, and forget counts whose last failure is a day old."""
    session.exec(
        delete(LoginThrottle).where(
            (col(LoginThrottle.login_key) == key)
            | (col(LoginThrottle.next_attempt_at) < utcnow() - FORGET_AFTER)
        )
    )
