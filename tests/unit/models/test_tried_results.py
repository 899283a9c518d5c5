"""What a "Try it" received: taken once, only by its administrator in its browser,
refused when stale and purged by the daily housekeeping."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from models import db, tried_results
from models.housekeeping import purge_old
from models.tables import TriedResult, User, utcnow
from models.users import ADMINISTRATORS, REGISTERED, create_user

PROFILE = {"service_id": "staff", "external_id": "alice-1", "scopes": ["openid"]}


def administrator(session: Session, login: str = "root") -> int:
    user = create_user(
        session, login=login, email=None, password=None, groups=(ADMINISTRATORS, REGISTERED)
    )
    session.commit()
    assert user.id is not None
    return user.id


def age(session: Session, by: timedelta) -> None:
    for row in session.exec(select(TriedResult)):
        row.created_at = utcnow() - by
    session.commit()


def rows(session: Session) -> int:
    return len(session.exec(select(TriedResult)).all())


def test_a_result_is_taken_once_by_its_administrator_in_its_browser(session: Session) -> None:
    root, other = administrator(session), administrator(session, "other")
    tried_results.keep(session, user_id=root, browser="b1", profile=PROFILE)
    session.commit()
    assert tried_results.take(session, user_id=other, browser="b1") is None
    assert tried_results.take(session, user_id=root, browser="b2") is None
    assert tried_results.take(session, user_id=root, browser="b1") == PROFILE
    assert tried_results.take(session, user_id=root, browser="b1") is None  # once


def test_the_latest_try_is_shown_and_the_earlier_ones_go(session: Session) -> None:
    root = administrator(session)
    tried_results.keep(session, user_id=root, browser="b1", profile={"external_id": "first"})
    session.commit()
    tried_results.keep(session, user_id=root, browser="b1", profile={"external_id": "second"})
    session.commit()
    assert tried_results.take(session, user_id=root, browser="b1") == {"external_id": "second"}
    assert rows(session) == 0


def test_a_stale_result_is_refused(session: Session) -> None:
    root = administrator(session)
    tried_results.keep(session, user_id=root, browser="b1", profile=PROFILE)
    session.commit()
    age(session, tried_results.LIFETIME + timedelta(seconds=1))
    assert tried_results.take(session, user_id=root, browser="b1") is None
    assert rows(session) == 0


def test_stale_results_go_in_the_daily_purge(engine: Engine, session: Session) -> None:
    db.configure(engine)  # the purge opens transactions of its own
    root = administrator(session)
    tried_results.keep(session, user_id=root, browser="b1", profile=PROFILE)
    session.commit()
    age(session, tried_results.LIFETIME + timedelta(minutes=1))
    tried_results.keep(session, user_id=root, browser="b2", profile=PROFILE)
    session.commit()
    purged = purge_old(
        now=utcnow(), sign_in_events_kept=timedelta(days=90), deliveries_kept=timedelta(days=30)
    )
    assert purged.tried_results == 1
    assert tried_results.take(session, user_id=root, browser="b2") == PROFILE


def test_a_deleted_administrator_takes_their_results_along(session: Session) -> None:
    root = administrator(session)
    tried_results.keep(session, user_id=root, browser="b1", profile=PROFILE)
    session.commit()
    session.delete(session.get(User, root))
    session.commit()
    assert rows(session) == 0
