"""Back-channel logouts owed to applications: queued where a session's grants end.

An application that registered a back-channel logout URI hears of every end of a
person's session there (signing out, a block, a password change, the person ending it
from their profile). The delivery is queued in the very transaction that ends the grants,
so it cannot be lost between the two; ``admin_app.provider.backchannel`` posts it.

As in the activity outbox (``models.outbox``), every change of a delivery's state is a
compare-and-set on its row: a claim holds it for one process for a lease, only the
holder records the outcome, and a process that stopped mid-attempt releases nothing:
its claim runs out and the next process tries again.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, event, func, or_, update
from sqlmodel import Session, col, select

from models.tables import Application, LogoutDelivery, ProviderGrant, utcnow

PENDING = "pending"
SENT = "sent"
FAILED = "failed"
#: the size of ``LogoutDelivery.last_problem``
PROBLEM_LENGTH = 500


def session_id(session_hash: str, application_id: str) -> str:
    """The ``sid`` an application sees for one of our sessions: the same in its ID tokens
    and its logout tokens, different for each application (they cannot correlate it),
    and telling nothing of the session's token."""
    return hashlib.sha256(f"sid:{session_hash}:{application_id}".encode()).hexdigest()[:32]


def queue_for_sessions(session: Session, session_hashes: Sequence[str]) -> int:
    """One delivery per (application with a back-channel URI, session) among the grants
    of these sessions, before the grants go; how many were queued."""
    if not session_hashes:
        return 0
    owed = session.exec(
        select(ProviderGrant.application_id, ProviderGrant.user_id, ProviderGrant.session_hash)
        .join(Application, col(Application.id) == col(ProviderGrant.application_id))
        .where(
            col(ProviderGrant.session_hash).in_(list(session_hashes)),
            col(Application.backchannel_logout_uri) != "",
        )
        .distinct()
    ).all()
    for application_id, user_id, session_hash in owed:
        session.add(
            LogoutDelivery(
                application_id=application_id,
                user_id=user_id,
                sid=session_id(session_hash, application_id),
            )
        )
    if owed:
        event.listen(session, "after_commit", _committed, once=True)
    return len(owed)


# -- the runner's side (``admin_app.provider.backchannel``): due, claimed, finished, purged


def when_queued(callback: Callable[[], None]) -> None:
    """Have ``callback`` called (in the committing thread) after each transaction that
    queued deliveries commits: the runner is woken at once, whichever use case ended the
    sessions, and never for a transaction that was rolled back."""
    _listeners.add(callback)


_listeners: set[Callable[[], None]] = set()


def _committed(_session: Session) -> None:
    for callback in list(_listeners):
        with contextlib.suppress(Exception):  # only a hint: the runner looks every few s
            callback()


def due_ids(session: Session, now: datetime, limit: int) -> list[int]:
    """Pending deliveries whose time has come and that nobody holds (or whose holder's
    claim has expired), soonest first."""
    query = (
        select(LogoutDelivery.id)
        .where(
            LogoutDelivery.status == PENDING,
            col(LogoutDelivery.next_attempt_at) <= now,
            or_(
                col(LogoutDelivery.claimed_until).is_(None),
                col(LogoutDelivery.claimed_until) < now,
            ),
        )
        .order_by(col(LogoutDelivery.next_attempt_at), col(LogoutDelivery.id))
        .limit(limit)
    )
    return [delivery_id for delivery_id in session.exec(query) if delivery_id is not None]


def claim(session: Session, delivery_id: int, owner: str, now: datetime, lease: timedelta) -> bool:
    """Take a due delivery for one attempt (counted now); False when another process took
    it first. A process that stops mid-attempt releases nothing: its claim runs out."""
    row = LogoutDelivery.__table__.c  # type: ignore[attr-defined]
    result = session.execute(
        update(LogoutDelivery)
        .where(
            and_(
                row.id == delivery_id,
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
    delivery_id: int,
    owner: str,
    status: str,
    *,
    problem: str = "",
    retry_at: datetime | None = None,
) -> bool:
    """Record an attempt's outcome (``PENDING``: again at ``retry_at``), if ``owner``
    still holds the claim: one whose claim ran out cannot overwrite the next one's."""
    row = LogoutDelivery.__table__.c  # type: ignore[attr-defined]
    values: dict[str, object] = {
        "status": status,
        "claimed_by": None,
        "claimed_until": None,
        "last_problem": problem[:PROBLEM_LENGTH],
        "updated_at": utcnow(),
    }
    if retry_at is not None:
        values["next_attempt_at"] = retry_at
    result = session.execute(
        update(LogoutDelivery)
        .where(and_(row.id == delivery_id, row.status == PENDING, row.claimed_by == owner))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def failed_by_application(session: Session) -> dict[str, int]:
    """How many logouts each application was never told of (kept until purged)."""
    rows = session.exec(
        select(LogoutDelivery.application_id, func.count())
        .where(LogoutDelivery.status == FAILED)
        .group_by(col(LogoutDelivery.application_id))
    )
    return dict(rows.all())


def purge_batch(session: Session, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` sent or failed deliveries last changed before ``before``;
    returns how many. Pending ones stay, however old."""
    finished = (
        select(LogoutDelivery.id)
        .where(
            col(LogoutDelivery.status).in_((SENT, FAILED)),
            col(LogoutDelivery.updated_at) < before,
        )
        .order_by(col(LogoutDelivery.id))
        .limit(limit)
    )
    result = session.execute(
        delete(LogoutDelivery)
        .where(col(LogoutDelivery.id).in_(finished))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
