"""Repeated failed sign-ins for one account wait longer and longer, even in parallel."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from models import login_throttle
from models.tables import utcnow

KEY = login_throttle.throttle_key(user_id=1, identifier="alice")


def _fail(session: Session, times: int, key: str = KEY) -> None:
    for _ in range(times):
        assert login_throttle.begin_attempt(session, key) == 0
        login_throttle.record_failure(session, key)
        session.commit()


def test_keys_name_the_account_when_there_is_one() -> None:
    assert login_throttle.throttle_key(user_id=7, identifier="Alice") == "user:7"
    unknown = login_throttle.throttle_key(user_id=None, identifier=" Alice ")
    assert unknown == login_throttle.throttle_key(user_id=None, identifier="ALICE")
    assert unknown.startswith("login:") and "alice" not in unknown


def test_first_failures_are_free(session: Session) -> None:
    _fail(session, login_throttle.FREE_FAILURES - 1)
    assert login_throttle.begin_attempt(session, KEY) == 0


def test_delay_doubles_and_is_capped(session: Session) -> None:
    _fail(session, login_throttle.FREE_FAILURES)
    assert login_throttle.begin_attempt(session, KEY) == 2
    later = utcnow() + timedelta(seconds=3)
    assert login_throttle.begin_attempt(session, KEY, now=later) == 0
    login_throttle.record_failure(session, KEY)
    assert login_throttle.begin_attempt(session, KEY) == 4
    for _ in range(30):
        login_throttle.record_failure(session, KEY)
    assert login_throttle.begin_attempt(session, KEY) == 15 * 60


def test_other_accounts_are_not_slowed(session: Session) -> None:
    _fail(session, login_throttle.FREE_FAILURES)
    assert login_throttle.begin_attempt(session, KEY) > 0
    assert login_throttle.begin_attempt(session, "user:2") == 0


def test_success_clears_the_count(session: Session) -> None:
    _fail(session, login_throttle.FREE_FAILURES - 1)
    assert login_throttle.begin_attempt(session, KEY) == 0
    login_throttle.record_success(session, KEY)
    session.commit()
    _fail(session, login_throttle.FREE_FAILURES - 1)  # counting starts again


def test_parallel_attempts_cannot_slip_past_the_count(engine: Engine) -> None:
    """Twenty attempts at once: exactly one gets to check a password."""

    def attempt(_: int) -> int:
        with Session(engine) as session:
            wait = login_throttle.begin_attempt(session, KEY)
            session.commit()
            return wait

    with ThreadPoolExecutor(max_workers=10) as pool:
        waits = list(pool.map(attempt, range(20)))
    assert waits.count(0) == 1
    assert all(wait >= 1 for wait in waits if wait)
