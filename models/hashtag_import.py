"""The hashtag import job's state: its lease, its last run, and a cursor per X account.

The lease is taken and given back by compare-and-set on one row, which every database
does atomically: whichever app process sets it first runs the job, the others skip.
An imported post is inserted with "on conflict do nothing" on (site, source, post id), so
even two runs that overlapped (a process that paused past its lease) store it once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from models.tables import FeedPost, HashtagImport, ImportCursor, LinkedAccount, User, utcnow


def state(session: Session) -> HashtagImport:
    row = session.get(HashtagImport, 1)
    if row is None:
        raise LookupError("the hashtag import state is missing: run 'socialservices db upgrade'")
    return row


def take_lease(session: Session, owner: str, now: datetime, length: timedelta) -> bool:
    """Become the one process running the job until ``now + length``; False when
    another process holds it."""
    row = HashtagImport.__table__.c  # type: ignore[attr-defined]
    result = session.execute(
        update(HashtagImport)
        .where(
            and_(
                row.id == 1,
                or_(row.lease_until.is_(None), row.lease_until < now),
            )
        )
        .values(lease_owner=owner, lease_until=now + length, last_started_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def extend_lease(session: Session, owner: str, now: datetime, length: timedelta) -> bool:
    """Keep the lease for another ``length``; False when this process lost it (it ran out
    and another process took it): the round must stop then."""
    row = HashtagImport.__table__.c  # type: ignore[attr-defined]
    result = session.execute(
        update(HashtagImport)
        .where(and_(row.id == 1, row.lease_owner == owner))
        .values(lease_until=now + length)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def finish_run(
    session: Session, owner: str, *, imported: int, errors: list[dict[str, str]]
) -> None:
    """Record the run and give the lease back (if this process still holds it)."""
    row = HashtagImport.__table__.c  # type: ignore[attr-defined]
    session.execute(
        update(HashtagImport)
        .where(and_(row.id == 1, row.lease_owner == owner))
        .values(
            lease_owner="",
            lease_until=None,
            last_finished_at=utcnow(),
            last_imported=imported,
            total_imported=row.total_imported + imported,
            last_errors=errors[:20],
        )
        .execution_options(synchronize_session=False)
    )


def x_links(session: Session, provider: str) -> list[tuple[LinkedAccount, ImportCursor | None]]:
    """Every account linked through this provider, with how far it has been read."""
    rows = session.exec(
        select(LinkedAccount, ImportCursor)
        .join(User, col(User.id) == col(LinkedAccount.user_id))
        .outerjoin(ImportCursor, col(ImportCursor.link_id) == col(LinkedAccount.id))
        .where(LinkedAccount.provider == provider, col(User.is_active).is_(True))
        .order_by(col(LinkedAccount.id))
    )
    return [(link, cursor) for link, cursor in rows]


def move_cursor(
    session: Session,
    link_id: int,
    *,
    since_id: str | None = None,
    not_before: datetime | None = None,
) -> None:
    """Remember the newest post read (when given) and until when the account's rate
    limit is spent (None: it is not)."""
    cursor = session.get(ImportCursor, link_id)
    if cursor is None:
        cursor = ImportCursor(link_id=link_id)
        session.add(cursor)
    if since_id is not None:
        cursor.since_id = since_id
    cursor.not_before = not_before
    session.flush()


def add_imported_post(
    session: Session,
    *,
    site_id: str,
    author_id: int,
    text: str,
    source: str,
    external_id: str,
    external_url: str,
    created_at: datetime,
) -> bool:
    """Store a post read from a service in a site's feed; False when it is there already."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    table = FeedPost.__table__  # type: ignore[attr-defined]
    statement = (
        insert(table)
        .values(
            site_id=site_id,
            author_id=author_id,
            text=text,
            source=source,
            external_id=external_id,
            external_url=external_url,
            created_at=created_at,
        )
        .on_conflict_do_nothing(index_elements=["site_id", "source", "external_id"])
        .returning(table.c.id)
    )
    return session.execute(statement).first() is not None


def recent_imports(session: Session, source: str, limit: int) -> list[tuple[FeedPost, User]]:
    rows = session.exec(
        select(FeedPost, User)
        .join(User, col(User.id) == col(FeedPost.author_id))
        .where(FeedPost.source == source)
        .order_by(col(FeedPost.id).desc())
        .limit(limit)
    )
    return [(post, author) for post, author in rows]
