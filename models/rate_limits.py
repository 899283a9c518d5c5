"""How often one key (an address, a client's address) may ask for something that sends
mail: counted in a fixed window in the database, so every app process counts alike."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from models.tables import RateCount, utcnow

MAX_KEY_LENGTH = 300


def allow(
    session: Session, key: str, limit: int, window: timedelta, *, now: datetime | None = None
) -> bool:
    """Count one request for ``key``; False once ``limit`` were counted in its window
    (the refused ones are not counted: the window ends when it ends)."""
    key = key[:MAX_KEY_LENGTH]
    now = now or utcnow()
    row = RateCount.__table__.c  # type: ignore[attr-defined]
    restarted = session.execute(
        update(RateCount)
        .where(and_(row.key == key, row.window_started_at <= now - window))
        .values(window_started_at=now, count=1)
        .execution_options(synchronize_session=False)
    )
    if restarted.rowcount:  # type: ignore[attr-defined]
        return True
    counted = session.execute(
        update(RateCount)
        .where(and_(row.key == key, row.count < limit))
        .values(count=row.count + 1)
        .execution_options(synchronize_session=False)
    )
    if counted.rowcount:  # type: ignore[attr-defined]
        return True
    if session.get(RateCount, key) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(RateCount(key=key, window_started_at=now, count=1))
    except IntegrityError:  # another request counted the first one a moment ago
        return allow(session, key, limit, window, now=now)
    return True


def purge_batch(session: Session, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` counts whose window started before ``before``."""
    old = select(RateCount.key).where(col(RateCount.window_started_at) < before).limit(limit)
    result = session.exec(delete(RateCount).where(col(RateCount.key).in_(old)))
    return int(result.rowcount)
