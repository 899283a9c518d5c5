"""Back-channel logouts owed to applications: queued where a session's grants end.

An application that registered a back-channel logout URI hears of every end of a
person's session there (signing out, a block, a password change, the person ending it
from their profile). The delivery is queued in the very transaction that ends the grants,
so it cannot be lost between the two; ``admin_app.provider.backchannel`` posts it.

Claimed, finished and purged as every queue's rows are (``models.queue_rows``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from models import queue_rows
from models.queue_rows import FAILED
from models.tables import Application, LogoutDelivery, ProviderGrant


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
        _queued.arm(session)
    return len(owed)


# -- the runner's side (``admin_app.provider.backchannel``): due, claimed, finished, purged


#: wakes the runners after a commit that queued rows (``when_queued``)
_queued = queue_rows.CommitSignal()


def when_queued(callback: Callable[[], None]) -> None:
    """Have ``callback`` called after each transaction that queued deliveries commits."""
    _queued.subscribe(callback)


def due_ids(session: Session, now: datetime, limit: int) -> list[int]:
    return queue_rows.due_ids(session, LogoutDelivery, now, limit)


def claim(session: Session, delivery_id: int, owner: str, now: datetime, lease: timedelta) -> bool:
    return queue_rows.claim(session, LogoutDelivery, delivery_id, owner, now, lease)


def release(session: Session, owner: str, now: datetime) -> int:
    return queue_rows.release(session, LogoutDelivery, owner, now)


def finish(
    session: Session,
    delivery_id: int,
    owner: str,
    status: str,
    *,
    problem: str = "",
    retry_at: datetime | None = None,
) -> bool:
    return queue_rows.finish(
        session, LogoutDelivery, delivery_id, owner, status, problem=problem, retry_at=retry_at
    )


def failed_by_application(session: Session) -> dict[str, int]:
    """How many logouts each application was never told of (kept until purged)."""
    rows = session.exec(
        select(LogoutDelivery.application_id, func.count())
        .where(LogoutDelivery.status == FAILED)
        .group_by(col(LogoutDelivery.application_id))
    )
    return dict(rows.all())


def purge_batch(session: Session, before: datetime, limit: int) -> int:
    return queue_rows.purge_batch(session, LogoutDelivery, before, limit)
