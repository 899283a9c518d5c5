"""Importing posts that carry the administrator's hashtags from X into the live feed,
against a fake X API (real HTTP on 127.0.0.1, checking the bearer token)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from sqlmodel import select

from admin_app.activity import hashtag_import
from admin_app.activity.hashtag_import import carries_hashtag, hashtag_pattern, import_round
from admin_app.admin.overview import activity_summary
from admin_app.services.config_file import import_configuration
from models.db import session_scope
from models.tables import FeedPost, ImportCursor
from tests.support.activity_setup import (
    alice_on_x,
    facebook_api,
    later,
    link,
    person,
    prepare,
    x_api,
)
from tests.support.fakes.facebook import FakeFacebook
from tests.support.fakes.twitter import FakeTwitter

__all__ = ["facebook_api", "x_api"]


@pytest.fixture(autouse=True)
def installation(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    x_api: FakeTwitter,
    facebook_api: FakeFacebook,
) -> None:
    prepare(database_url, monkeypatch, x_api, facebook_api)
    set_hashtags("#Python", "#котики")


def set_hashtags(*tags: str) -> None:
    import_configuration(
        yaml.safe_dump({"activity": {"send_activity": False, "hashtags": list(tags)}})
    )


def feed_posts() -> list[FeedPost]:
    with session_scope() as session:
        return list(session.exec(select(FeedPost).order_by(FeedPost.id)))


@pytest.mark.parametrize(
    ("text", "carries"),
    [
        ("I love #python", True),
        ("#PYTHON!", True),
        ("(#Python)", True),
        ("#python's best", True),
        ("full-width \uff03python too", True),
        ("#pythonista is another word", False),
        ("a#python is glued to a word", False),
        ("no hash: python", False),
        ("#python_3 is another word", False),
        ("see https://example.org/docs#python", False),
        ("##python", False),
        ("#Котики в городе", True),
        ("#котиками is another word", False),
    ],
)
def test_hashtags_match_whole_words_whatever_the_letter_case(text: str, carries: bool) -> None:
    pattern = hashtag_pattern(["#Python", "#котики"])
    assert pattern is not None
    assert carries_hashtag(pattern, text) is carries


async def test_posts_with_a_hashtag_appear_once_under_the_persons_name(
    x_api: FakeTwitter,
) -> None:
    alice, _ = alice_on_x(x_api)
    wanted = x_api.add_tweet("x-alice", "Learning #Python today")
    x_api.add_tweet("x-alice", "nothing to see")
    x_api.add_tweet("x-bob", "#python by someone who did not link X")
    report = await import_round()
    assert (report.ran, report.imported) == (True, 1)
    (post,) = feed_posts()
    assert (post.text, post.author_id, post.source, post.external_id) == (
        "Learning #Python today",
        alice,
        "twitter",
        wanted,
    )
    assert post.external_url == f"https://x.com/alice_x/status/{wanted}"
    # the next round asks only for newer posts, and stores nothing twice
    newer = x_api.add_tweet("x-alice", "more #котики")
    report = await import_round()
    assert report.imported == 1
    assert [p.external_id for p in feed_posts()] == [wanted, newer]
    assert (await import_round()).imported == 0
    assert x_api.timeline_requests[-1]["query"]["since_id"] == newer
    summary = activity_summary()
    assert (summary.last_imported, summary.total_imported) == (0, 2)
    assert [p.text for p in summary.recent_imports] == ["more #котики", "Learning #Python today"]


async def test_a_post_with_html_is_stored_as_plain_text(x_api: FakeTwitter) -> None:
    alice_on_x(x_api)
    x_api.add_tweet("x-alice", "<script>alert(1)</script> & <b>#python</b>")
    await import_round()
    (post,) = feed_posts()
    assert post.text == "<script>alert(1)</script> & <b>#python</b>"  # X sent &lt; ... &amp;


async def test_nothing_is_asked_without_hashtags(x_api: FakeTwitter) -> None:
    alice_on_x(x_api)
    set_hashtags()
    report = await import_round()
    assert (report.ran, report.reason) == (False, "no_hashtags")
    assert x_api.timeline_requests == []


async def test_rate_limit_headers_delay_the_next_poll(x_api: FakeTwitter) -> None:
    _, link_id = alice_on_x(x_api)
    x_api.set_timeline_limit(1, reset_in=600)  # this request is the window's last
    x_api.add_tweet("x-alice", "first #python")
    assert (await import_round()).imported == 1
    with session_scope() as session:
        cursor = session.get(ImportCursor, link_id)
        assert cursor is not None and cursor.not_before is not None
        assert later(590) <= cursor.not_before <= later(610)
    x_api.add_tweet("x-alice", "second #python")
    report = await import_round(later(60))
    assert report.imported == 0 and len(x_api.timeline_requests) == 1  # not asked
    assert report.notes == []  # waiting is no error
    x_api.set_timeline_limit(900)  # X's window has reset
    report = await import_round(later(700))
    assert report.imported == 1 and len(x_api.timeline_requests) == 2


async def test_a_429_waits_for_the_reset_x_gives(x_api: FakeTwitter) -> None:
    alice_on_x(x_api)
    x_api.add_tweet("x-alice", "#python")
    x_api.set_timeline_limit(0, reset_in=300)
    report = await import_round()
    assert report.imported == 0
    (note,) = report.notes
    assert (note["who"], note["problem"]) == ("@alice_x", hashtag_import.RATE_LIMITED)
    assert len(x_api.timeline_requests) == 1
    await import_round(later(100))
    assert len(x_api.timeline_requests) == 1
    x_api.set_timeline_limit(900)
    assert (await import_round(later(400))).imported == 1
    assert activity_summary().import_notes == []


async def test_an_expired_token_is_refreshed_and_a_dead_one_reported(x_api: FakeTwitter) -> None:
    alice_on_x(x_api)
    (token,) = list(x_api.tokens)
    x_api.expire(token)
    x_api.add_tweet("x-alice", "#python after a refresh")
    assert (await import_round()).imported == 1
    assert x_api.refreshes == 1
    bob = person("bob")
    link(bob, "twitter", "x-bob", ("never-issued", None), username="bob_x")
    report = await import_round()
    (note,) = report.notes
    assert (note["who"], note["problem"]) == ("@bob_x", hashtag_import.REAUTHORIZE)
    assert activity_summary().import_notes == report.notes


async def test_two_rounds_at_once_import_each_post_once(x_api: FakeTwitter) -> None:
    alice_on_x(x_api)
    for number in range(5):
        x_api.add_tweet("x-alice", f"post {number} #python")
    x_api.timeline_delay = 0.3
    first, second = await asyncio.gather(import_round(), import_round())
    assert sorted([first.reason, second.reason]) == ["", "running_elsewhere"]
    assert len(feed_posts()) == 5 and len(x_api.timeline_requests) == 1


def _run_import(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("socialservices")), "hashtags", "import"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


async def test_two_app_processes_polling_at_once_import_each_post_once(
    x_api: FakeTwitter, database_url: str
) -> None:
    alice_on_x(x_api)
    ids = {x_api.add_tweet("x-alice", f"post {number} #python") for number in range(5)}
    x_api.timeline_delay = 5.0  # the first holds its round while the second starts
    env = {**os.environ, "SOCIALSERVICES_DATABASE_URL": database_url, "LANGUAGE": "en"}
    processes = [_run_import(env), _run_import(env)]
    outputs = [process.communicate(timeout=60)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    assert sorted("Another app process is importing" in out for out in outputs) == [
        False,
        True,
    ], outputs
    assert any("Posts imported: 5" in out for out in outputs), outputs
    assert {p.external_id for p in feed_posts()} == ids and len(feed_posts()) == 5
    # a later round in either process finds them stored already
    x_api.timeline_delay = 0
    again = _run_import(env)
    assert "Posts imported: 0" in again.communicate(timeout=60)[0]
    assert len(feed_posts()) == 5


async def test_an_imported_post_is_stored_once_even_by_overlapping_rounds(
    x_api: FakeTwitter,
) -> None:
    """A process that paused past its lease and the one that took it over both store the
    same posts: the database keeps one of each."""
    from models import hashtag_import as job

    alice, _ = alice_on_x(x_api)
    post = {
        "site_id": "s1",
        "author_id": alice,
        "text": "#python",
        "source": "twitter",
        "external_id": "123",
        "external_url": "https://x.com/alice_x/status/123",
        "created_at": later(0),
    }
    with session_scope() as session:
        assert job.add_imported_post(session, **post)  # type: ignore[arg-type]
    with session_scope() as session:
        assert not job.add_imported_post(session, **post)  # type: ignore[arg-type]
    assert len(feed_posts()) == 1
