"""Slowing down repeated failed local sign-ins for one login.

After ``FREE_FAILURES`` consecutive failures each further attempt must wait, doubling
from ``BASE_DELAY`` up to ``MAX_DELAY`` after the previous failure. Keyed by what the
visitor typed, whether or not such a user exists, so the delay reveals nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from models.tables import LoginThrottle, utcnow

FREE_FAILURES = 3
BASE_DELAY = timedelta(seconds=2)
MAX_DELAY = timedelta(minutes=15)


def throttle_key(identifier: str) -> str:
    return identifier.strip().lower()[:254]


def _delay_after(failures: int) -> timedelta:
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(BASE_DELAY * 2 ** (failures - FREE_FAILURES), MAX_DELAY)


def seconds_to_wait(session: Session, identifier: str, *, now: datetime | None = None) -> int:
    """How long the visitor must wait before trying this login again (0: may try now)."""
    row = session.get(LoginThrottle, throttle_key(identifier))
    if row is None:
        return 0
    remaining = row.last_failure_at + _delay_after(row.failures) - (now or utcnow())
    return max(0, int(remaining.total_seconds() + 0.999))


def record_failure(session: Session, identifier: str) -> int:
    """Count one more failure; returns the number of consecutive failures."""
    key = throttle_key(identifier)
    row = session.get(LoginThrottle, key) or LoginThrottle(login_key=key)
    row.failures += 1
    row.last_failure_at = utcnow()
    session.add(row)
    return row.failures


def clear_failures(session: Session, identifier: str) -> None:
    row = session.get(LoginThrottle, throttle_key(identifier))
    if row is not None:
        session.delete(row)
