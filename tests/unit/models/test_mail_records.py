"""The records behind mail: links used once, in time, in the right browser; held answers
only for the browser that began; counts per key in a window; one sender per message."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from models import mail_links, mail_outbox, pending_signups, rate_limits
from models.mail_links import LinkRefusal, Purpose, UsedLink
from models.queue_rows import PENDING, SENT
from models.tables import MailMessage, utcnow
from models.users import create_user


def _user_id(session: Session) -> int:
    user = create_user(session, login="ann", email="ann@example.org", password=None)
    assert user.id is not None
    return user.id


def test_a_link_works_once(session: Session) -> None:
    user_id = _user_id(session)
    token = mail_links.make(
        session, Purpose.RESET_PASSWORD, email="ann@example.org", user_id=user_id
    )
    used = mail_links.use(session, token, Purpose.RESET_PASSWORD, "any browser")
    assert used == UsedLink(Purpose.RESET_PASSWORD, user_id, "ann@example.org", None)
    assert mail_links.use(session, token, Purpose.RESET_PASSWORD, "any") is LinkRefusal.USED


def test_an_altered_or_foreign_link_does_nothing(session: Session) -> None:
    token = mail_links.make(session, Purpose.CHANGE_EMAIL, email="new@example.org")
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert mail_links.use(session, altered, Purpose.CHANGE_EMAIL, "") is LinkRefusal.UNKNOWN
    assert mail_links.use(session, "", Purpose.CHANGE_EMAIL, "") is LinkRefusal.UNKNOWN
    wrong = mail_links.use(session, token, Purpose.RESET_PASSWORD, "")
    assert wrong is LinkRefusal.WRONG_PURPOSE
    assert isinstance(mail_links.use(session, token, Purpose.CHANGE_EMAIL, ""), UsedLink)


def test_a_link_expires(session: Session) -> None:
    made = utcnow() - timedelta(hours=1, seconds=1)
    token = mail_links.make(session, Purpose.RESET_PASSWORD, email="a@example.org", now=made)
    assert mail_links.use(session, token, Purpose.RESET_PASSWORD, "") is LinkRefusal.EXPIRED


def test_a_bound_link_works_only_in_its_browser(session: Session) -> None:
    token = mail_links.make(
        session, Purpose.COMPLETE_PROFILE, email="a@example.org", browser_binding="browser-1"
    )
    other = mail_links.use(session, token, Purpose.COMPLETE_PROFILE, "browser-2")
    assert other is LinkRefusal.OTHER_BROWSER
    assert isinstance(
        mail_links.use(session, token, Purpose.COMPLETE_PROFILE, "browser-1"), UsedLink
    )


def test_a_new_reset_cancels_the_unused_ones(session: Session) -> None:
    user_id = _user_id(session)
    old = mail_links.make(session, Purpose.RESET_PASSWORD, email="a@example.org", user_id=user_id)
    mail_links.cancel_of_user(session, user_id, Purpose.RESET_PASSWORD)
    assert mail_links.use(session, old, Purpose.RESET_PASSWORD, "") is LinkRefusal.UNKNOWN


def test_a_held_answer_is_found_only_by_its_browser_and_in_time(session: Session) -> None:
    def hold(**when: object) -> str:
        return pending_signups.hold(
            session,
            kind=pending_signups.LINK_EXISTING,
            browser="browser-1",
            service_id="yandex",
            site_id="s1",
            next_path="/profile",
            answer="sealed",
            **when,  # type: ignore[arg-type]
        )

    ticket = hold()
    kind = pending_signups.LINK_EXISTING
    assert pending_signups.find(session, ticket, kind, "browser-2") is None
    assert pending_signups.find(session, ticket, kind, "") is None
    assert (
        pending_signups.find(session, ticket, pending_signups.COMPLETE_PROFILE, "browser-1") is None
    )
    found = pending_signups.find(session, ticket, kind, "browser-1")
    assert found is not None and found.answer == "sealed"
    stale = hold(now=utcnow() - pending_signups.LIFETIME - timedelta(seconds=1))
    assert pending_signups.find(session, stale, kind, "browser-1") is None
    pending_signups.release(session, found)
    assert pending_signups.find(session, ticket, kind, "browser-1") is None


def test_a_key_is_counted_in_its_window(session: Session) -> None:
    window = timedelta(hours=1)
    start = utcnow()
    assert [rate_limits.allow(session, "ip:1", 3, window, now=start) for _ in range(4)] == [
        True,
        True,
        True,
        False,
    ]
    assert rate_limits.allow(session, "ip:2", 3, window, now=start)  # another key
    later = start + window + timedelta(seconds=1)
    assert rate_limits.allow(session, "ip:1", 3, window, now=later)


def test_a_message_is_claimed_by_one_sender_and_emptied_once_sent(session: Session) -> None:
    message = mail_outbox.add(
        session,
        recipient="a@example.org",
        kind="test",
        language="en",
        subject="Hello",
        body_text="sealed text",
        body_html="sealed html",
    )
    session.commit()
    assert message.id is not None
    now = utcnow()
    assert mail_outbox.due_ids(session, now, 10) == [message.id]
    assert mail_outbox.claim(session, message.id, "one", now, timedelta(minutes=1))
    assert not mail_outbox.claim(session, message.id, "two", now, timedelta(minutes=1))
    assert not mail_outbox.finish(session, message.id, "two", SENT)
    assert mail_outbox.finish(session, message.id, "one", SENT)
    session.commit()
    stored = session.get(MailMessage, message.id)
    assert stored is not None
    session.refresh(stored)
    assert (stored.status, stored.body_text, stored.body_html) == (SENT, "", "")
    assert mail_outbox.waiting(session) == 0


def test_a_claim_that_ran_out_goes_to_the_next_sender(session: Session) -> None:
    message = mail_outbox.add(
        session,
        recipient="a@example.org",
        kind="test",
        language="en",
        subject="Hello",
        body_text="t",
        body_html="h",
    )
    session.commit()
    assert message.id is not None
    now = utcnow()
    assert mail_outbox.claim(session, message.id, "stopped", now, timedelta(minutes=1))
    later = now + timedelta(minutes=2)
    assert mail_outbox.due_ids(session, later, 10) == [message.id]
    assert mail_outbox.claim(session, message.id, "next", later, timedelta(minutes=1))
    assert not mail_outbox.finish(session, message.id, "stopped", SENT)
    assert mail_outbox.finish(session, message.id, "next", PENDING, retry_at=later)


def test_a_stopping_sender_gives_its_claims_back_due_at_once(session: Session) -> None:
    ids = []
    for recipient in ("a@example.org", "b@example.org", "c@example.org"):
        message = mail_outbox.add(
            session,
            recipient=recipient,
            kind="test",
            language="en",
            subject="Hello",
            body_text="t",
            body_html="h",
        )
        session.commit()
        assert message.id is not None
        ids.append(message.id)
    now = utcnow()
    lease = timedelta(minutes=10)
    assert mail_outbox.claim(session, ids[0], "stopping", now, lease)
    assert mail_outbox.claim(session, ids[1], "stopping", now, lease)
    assert mail_outbox.finish(session, ids[1], "stopping", SENT)
    assert mail_outbox.claim(session, ids[2], "staying", now, lease)
    session.commit()

    soon = now + timedelta(seconds=1)
    assert mail_outbox.release(session, "stopping", soon) == 1  # the sent one stays sent
    session.commit()
    assert mail_outbox.due_ids(session, soon, 10) == [ids[0]]  # not in ten minutes
    assert mail_outbox.claim(session, ids[0], "staying", soon, lease)
    released = session.get(MailMessage, ids[0])
    assert released is not None
    session.refresh(released)
    assert released.attempts == 2  # the broken-off attempt counts
    assert mail_outbox.release(session, "stopping", soon) == 0
