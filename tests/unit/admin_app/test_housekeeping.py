"""Sign-in events and finished outbox deliveries past their retention are deleted: by the
daily job of every app process, and by ``socialservices housekeeping run``. Recent rows,
and pending or failed deliveries, stay. On SQLite, and on PostgreSQL under make test-pg."""

from __future__ import annotations

import asyncio
import io
import sys
from datetime import datetime, timedelta

import pytest
from sqlmodel import col, select

from admin_app.admin import housekeeping
from admin_app.cli.main import run
from admin_app.core import startup
from admin_app.core.settings import load_settings
from models import feed
from models.db import session_scope
from models.housekeeping import purge_old
from models.tables import ActivityDelivery, LinkedAccount, SignInEvent, utcnow
from models.users import create_user


@pytest.fixture(autouse=True)
def installation(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCIALSERVICES_DATABASE_URL", database_url)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    startup.prepare(load_settings())


def days_ago(days: float) -> datetime:
    return utcnow() - timedelta(days=days)


def add_events(*ages_in_days: float) -> None:
    with session_scope() as session:
        for age in ages_in_days:
            session.add(
                SignInEvent(at=days_ago(age), service_id="yandex", site_id="s1", success=True)
            )


def add_deliveries(*rows: tuple[str, float]) -> None:
    """One delivery (of a post of its own) per (status, days since its last change)."""
    with session_scope() as session:
        author = create_user(session, login="alice", email="alice@example.org", password=None)
        assert author.id is not None
        link = LinkedAccount(
            user_id=author.id,
            service_id="twitter",
            provider="twitter",
            external_id="x-alice",
            site_id="s1",
        )
        session.add(link)
        session.flush()
        assert link.id is not None
        for status, age in rows:
            post = feed.add_post(session, site_id="s1", author_id=author.id, text=status)
            assert post.id is not None
            session.add(
                ActivityDelivery(
                    post_id=post.id,
                    link_id=link.id,
                    service_id="twitter",
                    status=status,
                    created_at=days_ago(age + 1),
                    updated_at=days_ago(age),
                )
            )


def event_ages() -> list[int]:
    with session_scope() as session:
        ats = session.exec(select(SignInEvent.at).order_by(col(SignInEvent.at)))
        return [(utcnow() - at).days for at in ats]


def deliveries_left() -> list[tuple[str, int]]:
    with session_scope() as session:
        rows = session.exec(select(ActivityDelivery).order_by(col(ActivityDelivery.id)))
        return [(row.status, (utcnow() - row.updated_at).days) for row in rows]


def housekeeping_command(capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = run(["housekeeping", "run"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_command_deletes_only_what_is_past_its_retention(
    capsys: pytest.CaptureFixture[str],
) -> None:
    add_events(400, 100, 91, 89.5, 7, 0.1)
    add_deliveries(("sent", 40), ("cancelled", 31), ("sent", 29), ("pending", 60), ("failed", 60))
    assert housekeeping_command(capsys) == (
        0,
        "Deleted 3 sign-in events and 2 sent or cancelled activities.\n",
        "",
    )
    assert event_ages() == [89, 7, 0]  # the overview's 7 days are there
    assert deliveries_left() == [("sent", 29), ("pending", 60), ("failed", 60)]
    assert housekeeping_command(capsys)[1] == (
        "Deleted 0 sign-in events and 0 sent or cancelled activities.\n"
    )


def test_the_retention_is_a_setting(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOCIALSERVICES_SIGN_IN_EVENTS_RETENTION_DAYS", "8")
    monkeypatch.setenv("SOCIALSERVICES_OUTBOX_RETENTION_DAYS", "2")
    add_events(89.5, 7.5, 0.1)
    add_deliveries(("sent", 3), ("cancelled", 1))
    assert housekeeping_command(capsys)[0] == 0
    assert event_ages() == [7, 0]
    assert deliveries_left() == [("cancelled", 1)]


@pytest.mark.parametrize(
    ("setting", "value", "problem"),
    [
        ("SIGN_IN_EVENTS_RETENTION_DAYS", "6", "must be between 7 and 3650 days"),
        ("OUTBOX_RETENTION_DAYS", "0", "must be between 1 and 3650 days"),
        ("OUTBOX_RETENTION_DAYS", "a month", "must be a whole number"),
    ],
)
def test_a_retention_that_cannot_be_used_is_one_line(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    setting: str,
    value: str,
    problem: str,
) -> None:
    add_events(400)
    monkeypatch.setenv(f"SOCIALSERVICES_{setting}", value)
    code, out, err = housekeeping_command(capsys)
    assert (code, out) == (1, "")
    assert err == f"error: SOCIALSERVICES_{setting}: {problem}\n"
    assert event_ages() == [400]


def test_old_rows_go_in_bounded_batches() -> None:
    add_events(*[100 + day for day in range(7)], 1)
    purged = purge_old(
        now=utcnow(),
        sign_in_events_kept=timedelta(days=90),
        deliveries_kept=timedelta(days=30),
        batch=3,
    )
    assert (purged.sign_in_events, purged.deliveries) == (7, 0)
    assert event_ages() == [1]


async def test_every_app_process_runs_a_round_after_it_starts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    add_events(400, 1)
    add_deliveries(("sent", 45), ("failed", 45))
    monkeypatch.setattr(housekeeping, "FIRST_ROUND_AFTER", 0.0)
    job = asyncio.create_task(housekeeping.run_housekeeping())
    try:
        for _ in range(200):
            await asyncio.sleep(0.05)
            if event_ages() == [1] and len(deliveries_left()) == 1:
                break
        assert event_ages() == [1]
        assert deliveries_left() == [("failed", 45)]
        assert not job.done()  # waiting for the next day's round
    finally:
        job.cancel()
