"""The rows of a queue that every app process drains (the back-channel logouts, the mail
outbox): due, claimed, finished, purged, and the signal that wakes their runners.

Every change of a row's state is a compare-and-set on it: a claim holds it for one
process for a lease, only the holder records the outcome, and a process that died
mid-attempt releases nothing: its claim runs out and the next process tries again. One
that is stopped (SIGTERM) releases its claims as it ends (``release``). The
table needs the columns ``id``, ``status``, ``attempts``, ``next_attempt_at``,
``claimed_by``, ``claimed_until``, ``last_problem`` and ``updated_at``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, event, func, or_, select, update
from sqlmodel import Session

from models.tables import utcnow

PENDING = "pending"
SENT = "sent"
FAILED = "failed"
#: the size of ``last_problem``
PROBLEM_LENGTH = 500


class CommitSignal:
    """Callbacks (the runners' ``wake``) called in the committing thread after each
    transaction that queued rows commits: a runner starts at once, whichever use case
    queued, and never for a transaction that was rolled back."""

    def __init__(self) -> None:
        self._listeners: set[Callable[[], None]] = set()

    def subscribe(self, callback: Callable[[], None]) -> None:
        self._listeners.add(callback)

    def arm(self, session: Session) -> None:
        """Signal once when ``session``'s transaction commits."""
        event.listen(session, "after_commit", self._fire, once=True)

    def _fire(self, _session: Session) -> None:
        for callback in list(self._listeners):
            with contextlib.suppress(Exception):  # only a hint: the runners look every few s
                callback()


def _columns(table: Any) -> Any:
    return table.__table__.c


def due_ids(session: Session, table: Any, now: datetime, limit: int) -> list[int]:
    """Pending rows whose time has come and that nobody holds (or whose holder's claim
    has expired), soonest first."""
    row = _columns(table)
    query = (
        select(row.id)
        .where(
            row.status == PENDING,
            row.next_attempt_at <= now,
            or_(row.claimed_until.is_(None), row.claimed_until < now),
        )
        .order_by(row.next_attempt_at, row.id)
        .limit(limit)
    )
    return [row_id for (row_id,) in session.execute(query)]


def claim(
    session: Session, table: Any, row_id: int, owner: str, now: datetime, lease: timedelta
) -> bool:
    """Take a due row for one attempt (counted now); False when another process took it
    first."""
    row = _columns(table)
    result = session.execute(
        update(table)
        .where(
            and_(
                row.id == row_id,
                row.status == PENDING,
                row.next_attempt_at <= now,
                or_(row.claimed_until.is_(None), row.claimed_until < now),
            )
        )
        .values(
            claimed_by=owner,
            claimed_until=now + lease,
            attempts=row.attempts + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def finish(
    session: Session,
    table: Any,
    row_id: int,
    owner: str,
    status: str,
    *,
    problem: str = "",
    retry_at: datetime | None = None,
    **extra: Any,
) -> bool:
    """Record an attempt's outcome (``PENDING``: again at ``retry_at``), if ``owner``
    still holds the claim: one whose claim ran out cannot overwrite the next one's.
    ``extra``: more columns to set with it."""
    row = _columns(table)
    values: dict[str, Any] = {
        "status": status,
        "claimed_by": None,
        "claimed_until": None,
        "last_problem": problem[:PROBLEM_LENGTH],
        "updated_at": utcnow(),
        **extra,
    }
    if retry_at is not None:
        values["next_attempt_at"] = retry_at
    result = session.execute(
        update(table)
        .where(and_(row.id == row_id, row.status == PENDING, row.claimed_by == owner))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release(session: Session, table: Any, owner: str, now: datetime) -> int:
    """Give up every claim ``owner`` holds, the rows due again at once: a process that
    stops on purpose (SIGTERM, a rolling restart) lets the others go on with them now,
    not when its lease would have run out. Returns how many."""
    row = _columns(table)
    result = session.execute(
        update(table)
        .where(and_(row.status == PENDING, row.claimed_by == owner))
        .values(claimed_by=None, claimed_until=None, next_attempt_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def count_by_status(session: Session, table: Any) -> dict[str, int]:
    """How many rows are in each status (the activity outbox's table has the column too)."""
    row = _columns(table)
    query = select(row.status, func.count()).group_by(row.status)
    return {status: int(count) for status, count in session.execute(query)}


def count_failed(session: Session, table: Any) -> int:
    row = _columns(table)
    return int(session.execute(select(func.count()).where(row.status == FAILED)).scalar_one())


def purge_batch(session: Session, table: Any, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` sent or failed rows last changed before ``before``; returns
    how many. Pending ones stay, however old."""
    row = _columns(table)
    finished = (
        select(row.id)
        .where(row.status.in_((SENT, FAILED)), row.updated_at < before)
        .order_by(row.id)
        .limit(limit)
    )
    result = session.execute(
        delete(table).where(row.id.in_(finished)).execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
