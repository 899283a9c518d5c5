"""Finished sign-in round trips with external services, counted for the overview."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, insert, true
from sqlmodel import Session, col, delete, func, select

from models.tables import SignInEvent, table_of, utcnow

#: an INSERT of its own, built once: the ORM's unit of work cost more than the row
_INSERT = insert(table_of(SignInEvent))


def record(
    session: Session, *, service_id: str, site_id: str, success: bool, reason: str = ""
) -> None:
    row = {"service_id": service_id, "site_id": site_id, "success": success}
    session.connection().execute(_INSERT, {**row, "reason": reason[:50], "at": utcnow()})


@dataclass(frozen=True)
class LastResults:
    """A service's latest sign-in round trip, and its latest failed one."""

    at: datetime
    success: bool
    failed_at: datetime | None = None
    reason: str = ""  # the latest failure's reason code ("" when none failed)


def latest(session: Session, site_ids: Collection[str] | None = None) -> dict[str, LastResults]:
    """Service id -> its latest results on these sites (every site when None); the ids
    grow with time, so the highest is the latest."""

    def newest(*where: ColumnElement[bool]) -> dict[str, SignInEvent]:
        if site_ids is not None:
            where = (*where, col(SignInEvent.site_id).in_(list(site_ids)))
        ids = select(func.max(SignInEvent.id)).where(*where).group_by(col(SignInEvent.service_id))
        rows = session.exec(select(SignInEvent).where(col(SignInEvent.id).in_(ids)))
        return {row.service_id: row for row in rows}

    last = newest(true())
    failed = newest(col(SignInEvent.success).is_(False))
    return {
        service_id: LastResults(
            at=row.at,
            success=row.success,
            failed_at=failed[service_id].at if service_id in failed else None,
            reason=failed[service_id].reason if service_id in failed else "",
        )
        for service_id, row in last.items()
    }


def counts_since(session: Session, since: datetime) -> dict[tuple[str, bool], int]:
    """(service id, success) -> number of round trips since ``since``."""
    rows = session.exec(
        select(SignInEvent.service_id, SignInEvent.success, func.count())
        .where(col(SignInEvent.at) >= since)
        .group_by(col(SignInEvent.service_id), col(SignInEvent.success))
    )
    return {(service_id, success): number for service_id, success, number in rows}


def daily(
    session: Session, days: int, *, now: datetime | None = None
) -> list[tuple[str, int, int]]:
    """(day as YYYY-MM-DD, successes, failures) for the last ``days`` days, oldest first."""
    now = now or utcnow()
    start = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    tally: Counter[tuple[str, bool]] = Counter()
    for at, success in session.exec(
        select(SignInEvent.at, SignInEvent.success).where(col(SignInEvent.at) >= start)
    ):
        tally[(at.date().isoformat(), success)] += 1
    result = []
    for offset in range(days):
        day = (start + timedelta(days=offset)).date().isoformat()
        result.append((day, tally[(day, True)], tally[(day, False)]))
    return result


def purge_batch(session: Session, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` events older than ``before`` (oldest first); returns how
    many. Bounded so that one transaction never holds the table long."""
    oldest = (
        select(SignInEvent.id)
        .where(col(SignInEvent.at) < before)
        .order_by(col(SignInEvent.at))
        .limit(limit)
    )
    result = session.exec(delete(SignInEvent).where(col(SignInEvent.id).in_(oldest)))
    return int(result.rowcount)
