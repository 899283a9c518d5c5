"""The mail outbox: a message is written in the transaction that asked for it (a
registration, a reset), so it is never lost between the two nor sent for a transaction
that was rolled back; ``admin_app.mail.outbox`` sends it. Claimed and finished as every
queue's rows are (``models.queue_rows``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from models import queue_rows
from models.queue_rows import FAILED, PENDING, SENT
from models.tables import MailMessage


def add(
    session: Session,
    *,
    recipient: str,
    kind: str,
    language: str,
    subject: str,
    body_text: str,
    body_html: str,
) -> MailMessage:
    """Queue a message (bodies already sealed by the caller); the runners are woken
    after the commit."""
    message = MailMessage(
        recipient=recipient,
        kind=kind,
        language=language,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
    )
    session.add(message)
    session.flush()
    _queued.arm(session)
    return message


#: wakes the runners after a commit that queued rows (``when_queued``)
_queued = queue_rows.CommitSignal()


def when_queued(callback: Callable[[], None]) -> None:
    """Have ``callback`` called after each transaction that queued a message commits."""
    _queued.subscribe(callback)


def due_ids(session: Session, now: datetime, limit: int) -> list[int]:
    return queue_rows.due_ids(session, MailMessage, now, limit)


def claim(session: Session, message_id: int, owner: str, now: datetime, lease: timedelta) -> bool:
    return queue_rows.claim(session, MailMessage, message_id, owner, now, lease)


def release(session: Session, owner: str, now: datetime) -> int:
    return queue_rows.release(session, MailMessage, owner, now)


def finish(
    session: Session,
    message_id: int,
    owner: str,
    status: str,
    *,
    problem: str = "",
    retry_at: datetime | None = None,
) -> bool:
    """As ``queue_rows.finish``; a sent message's bodies are emptied (a one-time link in
    it is of no use to anyone reading the database later)."""
    emptied = {"body_text": "", "body_html": ""} if status == SENT else {}
    return queue_rows.finish(
        session,
        MailMessage,
        message_id,
        owner,
        status,
        problem=problem,
        retry_at=retry_at,
        **emptied,
    )


def failures(session: Session) -> tuple[int, MailMessage | None]:
    """How many messages could not be sent, and the latest of them."""
    count = queue_rows.count_failed(session, MailMessage)
    latest = session.exec(
        select(MailMessage)
        .where(MailMessage.status == FAILED)
        .order_by(col(MailMessage.updated_at).desc())
        .limit(1)
    ).first()
    return count, latest


def waiting(session: Session) -> int:
    """How many messages are still to be sent."""
    return int(
        session.exec(
            select(func.count()).select_from(MailMessage).where(MailMessage.status == PENDING)
        ).one()
    )


def sent_to(session: Session, recipient: str, since: datetime) -> int:
    """How many messages went (or are going) to ``recipient`` since then."""
    return int(
        session.exec(
            select(func.count())
            .select_from(MailMessage)
            .where(
                func.lower(MailMessage.recipient) == recipient.strip().lower(),
                col(MailMessage.created_at) >= since,
            )
        ).one()
    )


def purge_batch(session: Session, before: datetime, limit: int) -> int:
    return queue_rows.purge_batch(session, MailMessage, before, limit)


def latest_retried(session: Session) -> MailMessage | None:
    """The waiting message that was tried last and not taken (its problem is the server's
    latest answer): an outage shows at once, long before its messages fail."""
    return session.exec(
        select(MailMessage)
        .where(MailMessage.status == PENDING, MailMessage.last_problem != "")
        .order_by(col(MailMessage.updated_at).desc())
        .limit(1)
    ).first()
