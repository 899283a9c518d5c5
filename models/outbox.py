"""The activity outbox: queued when a post is written, claimed by one process at a time,
finished once.

Every state change is a compare-and-set on the row (its status and claim), so two app
processes that look at the same due row cannot both send it, and a process whose claim
expired cannot overwrite what the next one recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, update
from sqlmodel import Session, col, func, select

from models.tables import ActivityDelivery, FeedPost, LinkedAccount, User, utcnow

PENDING = "pending"
SENT = "sent"
FAILED = "failed"
CANCELLED = "cancelled"


def queue_post(session: Session, post: FeedPost, links: Iterable[LinkedAccount]) -> int:
    """One delivery per link, in the post's own transaction: a post is never stored
    without its deliveries, nor queued twice for one account. Returns how many."""
    assert post.id is not None
    count = 0
    for link in links:
        assert link.id is not None
        session.add(ActivityDelivery(post_id=post.id, link_id=link.id, service_id=link.service_id))
        count += 1
    session.flush()
    return count


def publishing_links(
    session: Session, user_id: int, providers: Sequence[str]
) -> list[LinkedAccount]:
    """The person's links to these providers with "publish my activity" on."""
    return list(
        session.exec(
            select(LinkedAccount)
            .where(
                LinkedAccount.user_id == user_id,
                col(LinkedAccount.provider).in_(providers),
                col(LinkedAccount.publish_activity).is_(True),
            )
            .order_by(col(LinkedAccount.id))
        )
    )


def due_ids(session: Session, now: datetime, limit: int) -> list[int]:
    """Pending deliveries whose time has come and that nobody holds (or whose holder's
    claim has expired), soonest first."""
    query = (
        select(ActivityDelivery.id)
        .where(
            ActivityDelivery.status == PENDING,
            col(ActivityDelivery.next_attempt_at) <= now,
            or_(
                col(ActivityDelivery.claimed_until).is_(None),
                col(ActivityDelivery.claimed_until) < now,
            ),
        )
        .order_by(col(ActivityDelivery.next_attempt_at), col(ActivityDelivery.id))
        .limit(limit)
    )
    return [delivery_id for delivery_id in session.exec(query) if delivery_id is not None]


def claim(session: Session, delivery_id: int, owner: str, now: datetime, lease: timedelta) -> bool:
    """Take a due delivery for one attempt; False when another process took it first.

    A claim found expired means the process that held it stopped during its attempt:
    that attempt may have been published, which the next one must know.
    """
    row = ActivityDelivery.__table__.c  # type: ignore[attr-defined]
    result = session.execute(
        update(ActivityDelivery)
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
            maybe_published=or_(row.maybe_published, row.claimed_until.is_not(None)),
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to; ``status`` PENDING means "try again at ``retry_at``"."""

    status: str
    problem: str = ""
    detail: str = ""
    retry_at: datetime | None = None
    maybe_published: bool = False
    external_id: str | None = None
    external_url: str | None = None


def finish(session: Session, delivery_id: int, owner: str, outcome: Outcome) -> bool:
    """Record an attempt's outcome, if this process still holds the claim."""
    row = ActivityDelivery.__table__.c  # type: ignore[attr-defined]
    values: dict[str, object] = {
        "status": outcome.status,
        "claimed_by": None,
        "claimed_until": None,
        "problem": outcome.problem,
        "detail": outcome.detail,
        "updated_at": utcnow(),
        "external_id": outcome.external_id,
        "external_url": outcome.external_url,
    }
    if outcome.retry_at is not None:
        values["next_attempt_at"] = outcome.retry_at
    if outcome.maybe_published:
        values["maybe_published"] = True
    result = session.execute(
        update(ActivityDelivery)
        .where(and_(row.id == delivery_id, row.status == PENDING, row.claimed_by == owner))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release(session: Session, owner: str, now: datetime) -> int:
    """Give up every claim ``owner`` holds, the deliveries due again at once (a process
    stopped on purpose); each may have been published by the attempt it broke off.
    Returns how many."""
    row = ActivityDelivery.__table__.c  # type: ignore[attr-defined]
    result = session.execute(
        update(ActivityDelivery)
        .where(and_(row.status == PENDING, row.claimed_by == owner))
        .values(
            claimed_by=None,
            claimed_until=None,
            next_attempt_at=now,
            maybe_published=True,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def cancel_pending(
    session: Session, problem: str, *, link_id: int | None = None, now: datetime | None = None
) -> int:
    """Cancel the pending deliveries (of one link, or all); ones being sent right now
    finish their attempt. Returns how many were cancelled."""
    row = ActivityDelivery.__table__.c  # type: ignore[attr-defined]
    now = now or utcnow()
    condition = and_(
        row.status == PENDING,
        or_(row.claimed_until.is_(None), row.claimed_until < now),
    )
    if link_id is not None:
        condition = and_(condition, row.link_id == link_id)
    result = session.execute(
        update(ActivityDelivery)
        .where(condition)
        .values(status=CANCELLED, problem=problem, updated_at=now, claimed_by=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def purge_finished_batch(session: Session, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` sent or cancelled deliveries last changed before ``before``;
    returns how many. Pending and failed ones stay (the administrator reads failures)."""
    finished = (
        select(ActivityDelivery.id)
        .where(
            col(ActivityDelivery.status).in_((SENT, CANCELLED)),
            col(ActivityDelivery.updated_at) < before,
        )
        .order_by(col(ActivityDelivery.id))
        .limit(limit)
    )
    result = session.execute(
        delete(ActivityDelivery)
        .where(col(ActivityDelivery.id).in_(finished))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def deliveries_of_posts(session: Session, post_ids: Sequence[int]) -> list[ActivityDelivery]:
    if not post_ids:
        return []
    return list(
        session.exec(
            select(ActivityDelivery)
            .where(col(ActivityDelivery.post_id).in_(post_ids))
            .order_by(col(ActivityDelivery.post_id), col(ActivityDelivery.id))
        )
    )


def counts_since(session: Session, since: datetime) -> dict[str, int]:
    """Deliveries queued since then, by status."""
    rows = session.exec(
        select(ActivityDelivery.status, func.count())
        .where(col(ActivityDelivery.created_at) >= since)
        .group_by(col(ActivityDelivery.status))
    )
    return dict(rows.all())


def recent_failures(session: Session, limit: int) -> list[tuple[ActivityDelivery, FeedPost, User]]:
    """The last failed deliveries, newest first, with their post and its author."""
    rows = session.exec(
        select(ActivityDelivery, FeedPost, User)
        .join(FeedPost, col(FeedPost.id) == col(ActivityDelivery.post_id))
        .join(User, col(User.id) == col(FeedPost.author_id))
        .where(ActivityDelivery.status == FAILED)
        .order_by(col(ActivityDelivery.updated_at).desc(), col(ActivityDelivery.id).desc())
        .limit(limit)
    )
    return [(delivery, post, author) for delivery, post, author in rows]
