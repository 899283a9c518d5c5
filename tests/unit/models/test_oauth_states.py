"""Round trips in progress: taken once, refused when expired, and purged now and then."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from models import oauth_states
from models.housekeeping import PURGE_INTERVAL, Occasionally
from models.tables import OAuthState, utcnow

ROUND_TRIP = {
    "purpose": "login",
    "service_id": "google",
    "site_id": "s1",
    "user_id": None,
    "next_path": "/profile",
    "nonce": "n1",
    "code_verifier": "v1",
}


def _age(session: Session, by: timedelta) -> None:
    for row in session.exec(select(OAuthState)):
        row.created_at = utcnow() - by
    session.commit()


def test_a_state_is_taken_once_and_only_by_its_browser(session: Session) -> None:
    oauth_states.remember(session, state="s1", browser="b1", **ROUND_TRIP)
    oauth_states.remember(session, state="s2", browser="b1", **ROUND_TRIP)
    session.commit()
    taken = oauth_states.take(session, state="s1", browser="b1")
    assert taken is not None and taken.nonce == "n1" and taken.code_verifier == "v1"
    assert oauth_states.take(session, state="s1", browser="b1") is None  # once
    assert oauth_states.take(session, state="s2", browser="other") is None  # and gone
    assert oauth_states.take(session, state="s2", browser="b1") is None


def test_an_expired_state_is_refused(session: Session) -> None:
    oauth_states.remember(session, state="s1", browser="b1", **ROUND_TRIP)
    session.commit()
    _age(session, oauth_states.LIFETIME + timedelta(seconds=1))
    assert oauth_states.take(session, state="s1", browser="b1") is None


def test_unfinished_round_trips_are_purged_now_and_then(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    oauth_states.remember(session, state="old", browser="b1", **ROUND_TRIP)
    session.commit()
    monkeypatch.setattr(oauth_states, "_unfinished", Occasionally(PURGE_INTERVAL))
    _age(session, oauth_states.LIFETIME + timedelta(minutes=1))
    oauth_states.remember(session, state="new", browser="b1", **ROUND_TRIP)  # purges
    session.commit()
    assert len(session.exec(select(OAuthState)).all()) == 1
    _age(session, oauth_states.LIFETIME + timedelta(minutes=1))
    oauth_states.remember(session, state="newer", browser="b1", **ROUND_TRIP)  # not yet
    session.commit()
    assert len(session.exec(select(OAuthState)).all()) == 2
