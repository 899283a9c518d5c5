"""Publishing feed posts to X and Facebook through the outbox, against fakes of both APIs
(real HTTP on 127.0.0.1 checking the bearer token and ``appsecret_proof``)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
import yaml
from sqlmodel import select

from admin_app.activity import delivery_problems
from admin_app.activity import outbox as activity_outbox
from admin_app.activity.feed import delivery_notes
from admin_app.admin.overview import activity_summary
from admin_app.services.config_file import import_configuration
from models import outbox
from models.db import session_scope
from models.tables import ActivityDelivery, LinkedAccount
from models.tables import User as UserRow
from models.token_cipher import PREFIX
from providers import http as provider_http
from tests.support.activity_setup import (
    X_SCOPES,
    alice_on_x,
    facebook_api,
    later,
    link,
    person,
    prepare,
    set_sending,
    write_post,
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


def deliveries() -> list[ActivityDelivery]:
    with session_scope() as session:
        return list(session.exec(select(ActivityDelivery).order_by(ActivityDelivery.id)))


async def test_a_post_is_published_once_on_each_account_when_sending_is_on(
    x_api: FakeTwitter, facebook_api: FakeFacebook
) -> None:
    alice, _ = alice_on_x(x_api)
    facebook_token, _ = facebook_api.issue_token(user_id="fb-alice")
    link(alice, "facebook", "fb-alice", (facebook_token, None))
    post_id = write_post(alice, "Hello from the site")
    assert await activity_outbox.deliver_due() == 2
    assert [(p["text"], p["author_id"]) for p in x_api.created] == [
        ("Hello from the site", "x-alice")
    ]
    assert [p["message"] for p in facebook_api.feed_posts] == ["Hello from the site"]
    assert await activity_outbox.deliver_due(later(3600)) == 0  # nothing is sent again
    assert len(x_api.created) == 1 and len(facebook_api.feed_posts) == 1
    notes = delivery_notes(alice, [post_id])[post_id]
    assert [(n.service, n.status) for n in notes] == [("X (Twitter)", "sent")] * 1 + [
        ("Facebook", "sent")
    ]
    assert notes[0].url and x_api.created[0]["id"] in notes[0].url
    assert notes[1].url and facebook_api.feed_posts[0]["id"].split("_")[1] in notes[1].url


async def test_nothing_is_published_when_sending_is_off(x_api: FakeTwitter) -> None:
    alice, _ = alice_on_x(x_api)
    set_sending(False)
    write_post(alice, "not for X")
    assert await activity_outbox.deliver_due(later(60)) == 0
    assert x_api.created == [] and deliveries() == []


async def test_only_accounts_whose_owner_switched_publishing_on_are_used(
    x_api: FakeTwitter,
) -> None:
    alice, _ = alice_on_x(x_api, publish=False)
    write_post(alice, "private thoughts")
    await activity_outbox.deliver_due(later(60))
    assert x_api.created == [] and deliveries() == []


async def test_turning_sending_off_stops_pending_deliveries(x_api: FakeTwitter) -> None:
    alice, _ = alice_on_x(x_api)
    x_api.post_failures = [503]
    post_id = write_post(alice, "first try fails")
    await activity_outbox.deliver_due()
    assert [d.status for d in deliveries()] == ["pending"]
    import_configuration(yaml.safe_dump({"activity": {"send_activity": False, "hashtags": []}}))
    assert await activity_outbox.deliver_due(later(7200)) == 0
    assert x_api.created == []
    (note,) = delivery_notes(alice, [post_id])[post_id]
    assert (note.status, note.problem) == ("cancelled", delivery_problems.TURNED_OFF)


async def test_a_delivery_claimed_after_sending_was_switched_off_is_not_sent(
    x_api: FakeTwitter,
) -> None:
    alice, _ = alice_on_x(x_api)
    write_post(alice, "queued while it was on")
    set_sending(False)  # by another process, which cancelled nothing yet
    await activity_outbox.deliver_due()
    assert x_api.created == []
    assert [(d.status, d.problem) for d in deliveries()] == [("cancelled", "turned_off")]


async def test_failing_twice_with_500_then_succeeding_publishes_exactly_one_post(
    x_api: FakeTwitter,
) -> None:
    alice, _ = alice_on_x(x_api)
    x_api.post_failures = [500, 500]
    write_post(alice, "third time lucky")
    assert await activity_outbox.deliver_due() == 1
    assert await activity_outbox.deliver_due(later(5)) == 0  # backing off
    assert await activity_outbox.deliver_due(later(3600)) == 1
    assert x_api.created == []
    assert await activity_outbox.deliver_due(later(7200)) == 1
    assert await activity_outbox.deliver_due(later(20000)) == 0
    assert [p["text"] for p in x_api.created] == ["third time lucky"]
    (delivery,) = deliveries()
    assert (delivery.status, delivery.attempts) == ("sent", 3)
    posts = [request for request in x_api.requests if request[1] == "/2/tweets"]
    assert len(posts) == 3


async def test_an_attempt_without_answer_is_not_published_twice(
    x_api: FakeTwitter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """X took the post but the answer never came: the retry meets X's refusal of a
    repeat, which says the first attempt went through."""
    monkeypatch.setattr(provider_http, "TIMEOUT", httpx.Timeout(0.3))
    alice, _ = alice_on_x(x_api)
    x_api.post_failures = ["no_answer"]
    write_post(alice, "did it go?")
    await activity_outbox.deliver_due()
    (delivery,) = deliveries()
    assert (delivery.status, delivery.maybe_published) == ("pending", True)
    await activity_outbox.deliver_due(later(3600))
    assert [p["text"] for p in x_api.created] == ["did it go?"]
    (delivery,) = deliveries()
    assert delivery.status == "sent"


async def test_a_repeat_with_no_earlier_attempt_is_a_failure_shown_to_the_author(
    x_api: FakeTwitter,
) -> None:
    alice, _ = alice_on_x(x_api)
    write_post(alice, "same words")
    await activity_outbox.deliver_due()
    second = write_post(alice, "same words")
    await activity_outbox.deliver_due()
    (note,) = delivery_notes(alice, [second])[second]
    assert (note.status, note.problem) == ("failed", delivery_problems.DUPLICATE)
    assert len(x_api.created) == 1


async def test_an_expired_token_is_refreshed_once_and_stored_sealed(x_api: FakeTwitter) -> None:
    alice, link_id = alice_on_x(x_api)
    (old_token,) = list(x_api.tokens)
    x_api.expire(old_token)  # X refuses it although we thought it valid
    write_post(alice, "after a refresh")
    await activity_outbox.deliver_due()
    assert [p["text"] for p in x_api.created] == ["after a refresh"]
    assert x_api.refreshes == 1
    with session_scope() as session:
        row = session.get(LinkedAccount, link_id)
        assert row is not None and row.refresh_token is not None
        assert row.access_token.startswith(PREFIX) and row.refresh_token.startswith(PREFIX)
        assert old_token not in row.access_token


async def test_a_token_past_its_expiry_is_refreshed_before_posting(x_api: FakeTwitter) -> None:
    alice = person("alice")
    tokens = x_api.issue_token(scope=X_SCOPES, user_id="x-alice", expires_in=0)
    link(alice, "twitter", "x-alice", tokens, expires_at=later(-60))
    write_post(alice, "fresh token")
    await activity_outbox.deliver_due()
    assert x_api.refreshes == 1 and [p["text"] for p in x_api.created] == ["fresh token"]
    unauthorized = [r for r in x_api.requests if r[1] == "/2/tweets"]
    assert len(unauthorized) == 1  # no attempt with the expired token


async def test_a_refused_token_without_refresh_fails_for_good_and_is_shown(
    facebook_api: FakeFacebook,
) -> None:
    alice = person("alice")
    token, _ = facebook_api.issue_token(user_id="fb-alice")
    link(alice, "facebook", "fb-alice", (token, None))
    facebook_api.expire(token)
    post_id = write_post(alice, "to Facebook")
    await activity_outbox.deliver_due()
    assert await activity_outbox.deliver_due(later(86400)) == 0
    (note,) = delivery_notes(alice, [post_id])[post_id]
    assert (note.status, note.problem) == ("failed", delivery_problems.REAUTHORIZE)
    (failure,) = activity_summary().failures
    assert (failure.author, failure.service, failure.problem) == (
        "alice",
        "Facebook",
        delivery_problems.REAUTHORIZE,
    )
    assert "190" in failure.detail and failure.post == "to Facebook"


async def test_a_wrong_app_secret_is_refused_by_facebook(facebook_api: FakeFacebook) -> None:
    """The proof is checked: with another secret configured, Facebook refuses the post."""
    import_configuration(
        yaml.safe_dump(
            {
                "services": {
                    "facebook": {
                        "enabled": True,
                        "settings": {"client_id": "fb-app", "client_secret": "not-the-secret"},
                        "endpoints": facebook_api.endpoints(),
                    }
                }
            }
        )
    )
    alice = person("alice")
    token, _ = facebook_api.issue_token(user_id="fb-alice")
    link(alice, "facebook", "fb-alice", (token, None))
    write_post(alice, "signed wrongly")
    await activity_outbox.deliver_due()
    assert facebook_api.feed_posts == []
    (delivery,) = deliveries()
    assert (delivery.status, delivery.problem) == ("failed", delivery_problems.REFUSED)
    assert "appsecret_proof" in delivery.detail


async def test_a_rate_limited_post_waits_for_the_reset(x_api: FakeTwitter) -> None:
    alice, _ = alice_on_x(x_api)
    x_api.post_failures = [429]  # the fake says the window resets in 60 s
    write_post(alice, "patience")
    await activity_outbox.deliver_due()
    (delivery,) = deliveries()
    assert delivery.next_attempt_at >= later(55)
    assert await activity_outbox.deliver_due(later(40)) == 0
    assert await activity_outbox.deliver_due(later(120)) == 1
    assert [p["text"] for p in x_api.created] == ["patience"]


async def test_only_one_process_claims_a_delivery(x_api: FakeTwitter) -> None:
    alice, _ = alice_on_x(x_api)
    write_post(alice, "one sender")
    (delivery,) = deliveries()
    assert delivery.id is not None
    now = later(0)
    with session_scope() as session:
        first = outbox.claim(session, delivery.id, "process-a", now, timedelta(minutes=2))
    with session_scope() as session:
        second = outbox.claim(session, delivery.id, "process-b", now, timedelta(minutes=2))
    assert (first, second) == (True, False)
    # process-a stopped mid-send: once its claim ran out, the next one knows it may be out
    with session_scope() as session:
        again = outbox.claim(session, delivery.id, "process-b", later(300), timedelta(minutes=2))
    assert again
    (delivery,) = deliveries()
    assert delivery.maybe_published and delivery.attempts == 2


async def test_a_stopping_process_gives_its_delivery_back_to_be_sent_at_once(
    x_api: FakeTwitter,
) -> None:
    alice, _ = alice_on_x(x_api)
    write_post(alice, "after the restart")
    (delivery,) = deliveries()
    assert delivery.id is not None
    with session_scope() as session:  # this process, stopped during its attempt
        assert outbox.claim(
            session, delivery.id, activity_outbox.OWNER, later(0), timedelta(minutes=2)
        )
    assert activity_outbox.release_claims() == 1
    (delivery,) = deliveries()
    assert delivery.claimed_by is None and delivery.maybe_published  # it may be out already
    assert await activity_outbox.deliver_due(later(1)) == 1  # not two minutes later
    assert [p["text"] for p in x_api.created] == ["after the restart"]


async def test_gives_up_after_the_last_attempt(x_api: FakeTwitter) -> None:
    alice, _ = alice_on_x(x_api)
    x_api.post_failures = [503] * activity_outbox.MAX_ATTEMPTS
    post_id = write_post(alice, "never arrives")
    for hour in range(activity_outbox.MAX_ATTEMPTS):
        await activity_outbox.deliver_due(later(hour * 3 * 3600))
    (note,) = delivery_notes(alice, [post_id])[post_id]
    assert (note.status, note.problem, note.attempts) == (
        "failed",
        delivery_problems.GAVE_UP,
        activity_outbox.MAX_ATTEMPTS,
    )
    assert x_api.created == []


async def test_a_refresh_the_service_could_not_answer_is_tried_again(x_api: FakeTwitter) -> None:
    alice, _ = alice_on_x(x_api)
    (token,) = list(x_api.tokens)
    x_api.expire(token)
    x_api.failure = "token_500"  # X's token endpoint is down for now
    write_post(alice, "refresh later")
    await activity_outbox.deliver_due()
    (delivery,) = deliveries()
    assert delivery.status == "pending" and x_api.created == []
    x_api.failure = None
    await activity_outbox.deliver_due(later(3600))
    assert [p["text"] for p in x_api.created] == ["refresh later"]


async def test_a_deactivated_persons_queued_posts_are_not_published(x_api: FakeTwitter) -> None:
    alice, _ = alice_on_x(x_api)
    write_post(alice, "before I left")
    with session_scope() as session:
        row = session.get(UserRow, alice)
        assert row is not None
        row.is_active = False
    await activity_outbox.deliver_due()
    assert x_api.created == []
    assert [(d.status, d.problem) for d in deliveries()] == [("cancelled", "turned_off")]
