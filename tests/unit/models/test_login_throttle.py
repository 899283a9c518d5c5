"""Repeated failed sign-ins for one login wait longer and longer."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from models import login_throttle
from models.tables import utcnow


def _fail(session: Session, times: int, login: str = "alice") -> None:
    for _ in range(times):
        login_throttle.record_failure(session, login)
    session.commit()


def test_first_failures_are_free(session: Session) -> None:
    _fail(session, login_throttle.FREE_FAILURES - 1)
    assert login_throttle.seconds_to_wait(session, "alice") == 0


def test_delay_doubles_and_is_capped(session: Session) -> None:
    _fail(session, login_throttle.FREE_FAILURES)
    assert login_throttle.seconds_to_wait(session, "alice") == 2
    _fail(session, 1)
    assert login_throttle.seconds_to_wait(session, "alice") == 4
    _fail(session, 30)
    assert login_throttle.seconds_to_wait(session, "alice") == 15 * 60


def test_delay_passes_with_time(session: Session) -> None:
    _fail(session, login_throttle.FREE_FAILURES + 1)
    later = utcnow() + timedelta(seconds=5)
    assert login_throttle.seconds_to_wait(session, "alice", now=later) == 0


def test_key_ignores_case_and_other_logins_are_not_slowed(session: Session) -> None:
    _fail(session, 10, login="Alice ")
    assert login_throttle.seconds_to_wait(session, "ALICE") > 0
    assert login_throttle.seconds_to_wait(session, "bob") == 0


def test_success_clears_the_count(session: Session) -> None:
    _fail(session, 10)
    login_throttle.clear_failures(session, "alice")
    session.commit()
    assert login_throttle.seconds_to_wait(session, "alice") == 0
