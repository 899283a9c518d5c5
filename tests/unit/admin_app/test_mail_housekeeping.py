"""What mail leaves behind is deleted by the daily housekeeping: sent and failed messages
past the outbox's retention (waiting ones stay, however old), expired links, expired held
sign-up answers and rate counts whose window is long over; nothing that is still of use.
On SQLite, and on PostgreSQL under make test-pg."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import col, select, update

from admin_app.admin import housekeeping
from models import mail_links, pending_signups, rate_limits
from models.db import session_scope
from models.housekeeping import RATE_COUNTS_KEPT, purge_old
from models.queue_rows import FAILED, PENDING, SENT
from models.tables import MailLink, MailMessage, PendingSignup, RateCount, utcnow
from tests.support.mail_setup import configure, queue

KEPT = timedelta(days=30)


@pytest.fixture(autouse=True)
def installation(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    configure(monkeypatch, database_url)


def days_ago(days: float) -> datetime:
    return utcnow() - timedelta(days=days)


def message(status: str, age_in_days: float) -> int:
    """A message that reached ``status`` that many days ago."""
    message_id = queue()
    with session_scope() as session:
        session.exec(
            update(MailMessage)
            .where(col(MailMessage.id) == message_id)
            .values(status=status, updated_at=days_ago(age_in_days))
        )
    return message_id


def remaining(table: type, key: str) -> set[str]:
    with session_scope() as session:
        return {str(value) for value in session.exec(select(getattr(table, key)))}


def purge() -> int:
    purged = purge_old(now=utcnow(), sign_in_events_kept=KEPT, deliveries_kept=KEPT)
    return purged.mail_messages


def test_finished_messages_past_the_retention_go_and_waiting_ones_stay() -> None:
    kept = {
        message(SENT, 29),
        message(FAILED, 29),
        message(PENDING, 400),  # a letter still owed: never deleted unsent
    }
    message(SENT, 31)
    message(FAILED, 31)
    assert purge() == 2
    assert remaining(MailMessage, "id") == {str(i) for i in kept}
    assert purge() == 0


def test_expired_links_held_answers_and_old_rate_counts_go() -> None:
    with session_scope() as session:
        mail_links.make(
            session,
            mail_links.Purpose.RESET_PASSWORD,
            email="a@example.org",
            now=utcnow() - timedelta(hours=2),  # expired an hour ago
        )
        mail_links.make(session, mail_links.Purpose.RESET_PASSWORD, email="b@example.org")
        for who, held_at in (("old", utcnow() - timedelta(hours=2)), ("new", utcnow())):
            pending_signups.hold(
                session,
                kind=pending_signups.COMPLETE_PROFILE,
                browser=who,
                service_id="telegram",
                site_id="s1",
                next_path="/",
                answer="{}",
                now=held_at,
            )
        window = timedelta(hours=1)
        rate_limits.allow(session, "old", 3, window, now=utcnow() - RATE_COUNTS_KEPT * 2)
        rate_limits.allow(session, "recent", 3, window, now=utcnow() - timedelta(hours=2))
    purged = housekeeping.run_round()
    assert purged.mail_leftovers == 3
    assert remaining(MailLink, "email") == {"b@example.org"}
    assert remaining(PendingSignup, "browser_binding") == {"new"}
    assert remaining(RateCount, "key") == {"recent"}
