"""What an administrator's "Try it" received, kept until the page that shows it.

The service's callback and the page are two requests, which any process of an
installation may serve: the profile waits in the database, bound to the administrator
and to the browser that tried (a hash of its id, as for round trips), and is deleted as
it is read, so it is shown once. One nobody came for (the tab was closed) is refused after
LIFETIME, and deleted by the daily housekeeping (``models.housekeeping.purge_old``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, delete, select

from models.digests import digest
from models.tables import TriedResult, utcnow

LIFETIME = timedelta(minutes=10)


def keep(session: Session, *, user_id: int, browser: str, profile: Mapping[str, Any]) -> None:
    session.add(
        TriedResult(user_id=user_id, browser_binding=digest(browser), profile=dict(profile))
    )


def take(session: Session, *, user_id: int, browser: str) -> dict[str, Any] | None:
    """The latest result this administrator's "Try it" in this browser received less than
    LIFETIME ago; every one of theirs is deleted, so it is taken once."""
    rows = session.scalars(
        delete(TriedResult)
        .where(
            col(TriedResult.user_id) == user_id,
            col(TriedResult.browser_binding) == digest(browser),
        )
        .returning(TriedResult)
    ).all()
    fresh = [row for row in rows if row.created_at >= utcnow() - LIFETIME]
    if not fresh:
        return None
    return max(fresh, key=lambda row: (row.created_at, row.id or 0)).profile


def purge_batch(session: Session, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` results kept before ``before``; returns how many."""
    oldest = (
        select(TriedResult.id)
        .where(col(TriedResult.created_at) < before)
        .order_by(col(TriedResult.created_at))
        .limit(limit)
    )
    result = session.exec(delete(TriedResult).where(col(TriedResult.id).in_(oldest)))
    return int(result.rowcount)
