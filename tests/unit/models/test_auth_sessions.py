"""Signed-in sessions: pending until activated once by their browser, then revocable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from models import auth_sessions
from models.housekeeping import PURGE_INTERVAL, Occasionally
from models.tables import AuthSession, utcnow
from models.users import create_user


@pytest.fixture
def user_id(session: Session) -> int:
    user = create_user(session, login="alice", email=None, password=None)
    session.commit()
    assert user.id is not None
    return user.id


def test_a_ticket_activates_once_for_its_browser_and_is_replaced(
    session: Session, user_id: int
) -> None:
    ticket = auth_sessions.create_pending(session, user_id=user_id, browser="b1")
    session.commit()
    assert auth_sessions.user_of(session, ticket) is None  # pending: not signed in yet
    assert auth_sessions.activate(session, ticket=ticket, browser="b2") is None
    activated = auth_sessions.activate(session, ticket=ticket, browser="b1")
    session.commit()
    assert activated is not None
    owner, token = activated
    assert owner == user_id and token != ticket
    assert auth_sessions.user_of(session, token) == user_id
    assert auth_sessions.user_of(session, ticket) is None  # the URL's ticket is worthless now
    assert auth_sessions.activate(session, ticket=ticket, browser="b1") is None


def test_empty_browser_or_ticket_never_activates(session: Session, user_id: int) -> None:
    with pytest.raises(ValueError):
        auth_sessions.create_pending(session, user_id=user_id, browser="")
    assert auth_sessions.activate(session, ticket="", browser="b1") is None


def test_a_ticket_expires_after_a_minute(session: Session, user_id: int) -> None:
    ticket = auth_sessions.create_pending(session, user_id=user_id, browser="b1")
    session.commit()
    row = session.exec(select(AuthSession)).one()
    row.created_at = utcnow() - timedelta(seconds=61)
    session.commit()
    assert auth_sessions.activate(session, ticket=ticket, browser="b1") is None


def test_idle_sessions_end_and_are_forgotten(
    session: Session, user_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = auth_sessions.create_active(session, user_id=user_id)
    other = auth_sessions.create_active(session, user_id=user_id)
    session.commit()
    for row in session.exec(select(AuthSession)):
        row.last_seen_at = utcnow() - auth_sessions.IDLE_LIFETIME - timedelta(minutes=1)
    session.commit()
    assert auth_sessions.user_of(session, token) is None  # ended at once
    monkeypatch.setattr(auth_sessions, "_stale", Occasionally(PURGE_INTERVAL))
    auth_sessions.create_active(session, user_id=user_id)  # cleans up now and then
    session.commit()
    assert len(session.exec(select(AuthSession)).all()) == 1
    assert auth_sessions.user_of(session, other) is None
    for row in session.exec(select(AuthSession)):  # idle too; the next purge is a minute off
        row.last_seen_at = utcnow() - auth_sessions.IDLE_LIFETIME - timedelta(minutes=1)
    auth_sessions.create_active(session, user_id=user_id)
    session.commit()
    assert len(session.exec(select(AuthSession)).all()) == 2


def test_ending_a_session(session: Session, user_id: int) -> None:
    token = auth_sessions.create_active(session, user_id=user_id)
    other = auth_sessions.create_active(session, user_id=user_id)
    auth_sessions.end(session, token)
    session.commit()
    assert auth_sessions.user_of(session, token) is None
    assert auth_sessions.user_of(session, other) == user_id
