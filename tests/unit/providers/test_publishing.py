"""Publishing and reading back, provider by provider, against the fakes over real HTTP.

X (``POST /2/tweets``, ``GET /2/users/{id}/tweets``) and Facebook (``POST /me/feed``): every
answer a service can give becomes ``Published`` or one ``PublishError`` of the right kind, and
refresh tokens rotate. The fakes check what the real services check (see their docstrings).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from providers import http as provider_http
from providers.activity import (
    DUPLICATE,
    REFUSED,
    RETRY,
    TOKEN,
    UNKNOWN,
    PublishError,
)
from providers.base import ProviderError, ServiceConfig
from providers.facebook import GRAPH_VERSION, Facebook
from providers.mailru import MailRu
from providers.twitter import Twitter
from tests.support.fakes.facebook import FakeFacebook
from tests.support.fakes.mailru import FakeMailRu
from tests.support.fakes.twitter import FakeTwitter, weighted_length

X_SETTINGS = {
    "client_id": "M1M5R3BMVy13QmpScXkzTUt5OE46MTpjaQ",
    "client_secret": "s7Vq2Xk9pL0mN3bR8tY6uW1zA4cE5gH",
}
X_USER = "2244994945"
X_NAME = "ivan_petrov"
X_SCOPE = "tweet.read tweet.write users.read offline.access"
FB_SETTINGS = {"client_id": "1234567890123456", "client_secret": "8f2c1d0e9b7a6f5e4d3c2b1a0f9e8d7c"}
FB_USER = "10223456789012345"


@pytest.fixture(autouse=True)
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(provider_http, "TIMEOUT", httpx.Timeout(0.3))


@pytest.fixture
def x() -> Iterator[FakeTwitter]:
    fake = FakeTwitter(
        profile={"data": {"id": X_USER, "name": "Иван Петров", "username": X_NAME}},
        **X_SETTINGS,
    )
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def fb() -> Iterator[FakeFacebook]:
    fake = FakeFacebook(profile={"id": FB_USER, "first_name": "Иван"}, **FB_SETTINGS)
    fake.start()
    yield fake
    fake.stop()


def twitter(fake: FakeTwitter) -> Twitter:
    return Twitter(ServiceConfig(settings=X_SETTINGS, endpoints=fake.endpoints()))


def facebook(fake: FakeFacebook, **settings: str) -> Facebook:
    return Facebook(ServiceConfig(settings={**FB_SETTINGS, **settings}, endpoints=fake.endpoints()))


def closed_port_endpoints(fake: FakeTwitter | FakeFacebook) -> dict[str, str]:
    """The fake's endpoints once it has stopped: connections to them are refused."""
    endpoints = fake.endpoints()
    fake.stop()
    return endpoints


async def publish_error(provider: Twitter | Facebook, token: str, text: str) -> PublishError:
    with pytest.raises(PublishError) as error:
        await provider.publish(token, text)
    return error.value


def near(when: datetime | None, expected: datetime, seconds: float = 3) -> bool:
    return when is not None and abs((when - expected).total_seconds()) <= seconds


# ------------------------------------------------------------------------ X: publish


async def test_x_publish_returns_the_id_and_the_url(x: FakeTwitter) -> None:
    token, _ = x.issue_token(scope=X_SCOPE, user_id=X_USER)
    published = await twitter(x).publish(token, "Отметил 5 км")
    assert published.url == f"https://x.com/i/web/status/{published.external_id}"
    assert x.created == [{"id": published.external_id, "text": "Отметил 5 км", "author_id": X_USER}]
    assert x.post_requests == [{"text": "Отметил 5 км"}]


async def test_x_publishes_as_the_tokens_user(x: FakeTwitter) -> None:
    token, _ = x.issue_token(scope="tweet.write", user_id="42")
    await twitter(x).publish(token, "hello")
    assert x.created[0]["author_id"] == "42"


async def test_x_unknown_or_expired_token_is_a_token_error(x: FakeTwitter) -> None:
    provider = twitter(x)
    assert (await publish_error(provider, "not-a-token", "a")).kind == TOKEN
    token, _ = x.issue_token(scope=X_SCOPE)
    x.expire(token)
    assert (await publish_error(provider, token, "b")).kind == TOKEN
    born_dead, _ = x.issue_token(scope=X_SCOPE, expires_in=0)
    assert (await publish_error(provider, born_dead, "c")).kind == TOKEN
    assert x.created == []


async def test_x_token_without_tweet_write_must_be_granted_again(x: FakeTwitter) -> None:
    token, _ = x.issue_token(scope="tweet.read users.read")
    error = await publish_error(twitter(x), token, "hello")
    assert error.kind == TOKEN and "403" in error.detail  # the person must grant it again
    assert x.created == []


async def test_x_duplicate_is_a_duplicate(x: FakeTwitter) -> None:
    token, _ = x.issue_token(scope=X_SCOPE, user_id=X_USER)
    provider = twitter(x)
    await provider.publish(token, "same words")
    error = await publish_error(provider, token, "same words")
    assert error.kind == DUPLICATE
    assert len(x.created) == 1
    # a post written at X itself counts too; another person's does not
    x.add_tweet(X_USER, "written at x.com")
    assert (await publish_error(provider, token, "written at x.com")).kind == DUPLICATE
    other, _ = x.issue_token(scope=X_SCOPE, user_id="777")
    await provider.publish(other, "same words")


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_x_server_error_is_unknown(x: FakeTwitter, status: int) -> None:
    # a server error may come after the post was taken: unknown, and a retry is safe
    token, _ = x.issue_token(scope=X_SCOPE)
    x.post_failures.append(status)
    error = await publish_error(twitter(x), token, "hello")
    assert error.kind == UNKNOWN and error.retry_at is None
    assert x.created == []  # this time it was not: the retry goes through
    assert (await twitter(x).publish(token, "hello")).external_id


async def test_x_429_is_retry_at_the_reset_time(x: FakeTwitter) -> None:
    token, _ = x.issue_token(scope=X_SCOPE)
    x.post_failures.append(429)
    error = await publish_error(twitter(x), token, "hello")
    assert error.kind == RETRY
    assert near(error.retry_at, datetime.now(UTC) + timedelta(seconds=60))
    assert x.created == []


async def test_x_no_answer_is_unknown_and_a_retry_is_a_duplicate(x: FakeTwitter) -> None:
    token, _ = x.issue_token(scope=X_SCOPE, user_id=X_USER)
    x.post_failures.append("no_answer")
    provider = twitter(x)
    error = await publish_error(provider, token, "maybe published")
    assert error.kind == UNKNOWN
    assert [post["text"] for post in x.created] == ["maybe published"]
    # what makes a retry of an unknown outcome safe: X refuses the repeat
    assert (await publish_error(provider, token, "maybe published")).kind == DUPLICATE
    assert len(x.created) == 1


async def test_x_refused_connection_is_retry(x: FakeTwitter) -> None:
    provider = Twitter(ServiceConfig(settings=X_SETTINGS, endpoints=closed_port_endpoints(x)))
    error = await publish_error(provider, "any-token", "hello")
    assert error.kind == RETRY


async def test_x_long_text_is_cut_at_a_word_and_accepted(x: FakeTwitter) -> None:
    token, _ = x.issue_token(scope=X_SCOPE)
    text = " ".join(["abcdefghij"] * 40)  # 439 characters; the cut leaves room to spare
    published = await twitter(x).publish(token, text)
    sent = x.created[0]["text"]
    assert published.external_id == x.created[0]["id"]
    assert sent.endswith("abcdefghij…") and text.startswith(sent[:-1])
    assert weighted_length(sent) <= 280


@pytest.mark.parametrize(
    "text",
    [
        "a " * 200,  # the cut fills 280 by Twitter.length; X counts the ellipsis as 2
        "€" * 200,  # 200 by Twitter.length: sent unshortened; X counts 400
        "see example.com " * 20,  # bare domains: 23 each at X
    ],
    ids=["ellipsis", "euro", "bare-domain"],
)
async def test_x_any_text_is_made_to_fit_x_counting(x: FakeTwitter, text: str) -> None:
    token, _ = x.issue_token(scope=X_SCOPE)
    await twitter(x).publish(token, text)
    assert weighted_length(x.created[0]["text"]) <= 280


async def test_x_timeline_since_id_newest_first(x: FakeTwitter) -> None:
    token, _ = x.issue_token(scope=X_SCOPE, user_id=X_USER)
    first = x.add_tweet(X_USER, "first")
    second = x.add_tweet(X_USER, "second")
    third = x.add_tweet(X_USER, "third", created_at=datetime(2026, 11, 26, 1, 2, 3, tzinfo=UTC))
    x.add_tweet("someone-else", "not mine")
    page = await twitter(x).timeline(token, X_USER, X_NAME, since_id=first)
    assert [post.id for post in page.posts] == [third, second]
    assert [post.text for post in page.posts] == ["third", "second"]
    assert page.newest_id == third and page.next_token is None
    assert page.posts[0].url == f"https://x.com/{X_NAME}/status/{third}"
    assert page.posts[0].created_at == datetime(2026, 11, 26, 1, 2, 3, tzinfo=UTC)
    assert x.timeline_requests[-1] == {
        "user_id": X_USER,
        "query": {
            "max_results": "100",
            "tweet.fields": "created_at",
            "exclude": "retweets",
            "since_id": first,
        },
    }


async def test_x_timeline_nothing_new(x: FakeTwitter) -> None:
    token, _ = x.issue_token(scope=X_SCOPE, user_id=X_USER)
    last = x.add_tweet(X_USER, "old")
    page = await twitter(x).timeline(token, X_USER, X_NAME, since_id=last)
    assert page.posts == [] and page.newest_id is None and page.next_token is None


async def test_x_timeline_texts_are_plain_text(x: FakeTwitter) -> None:
    token, _ = x.issue_token(scope=X_SCOPE, user_id=X_USER)
    written = "<script>alert(1)</script> AT&T &amp; 1 < 2 > 0 &lt;"
    x.add_tweet(X_USER, written)
    async with httpx.AsyncClient() as client:
        wire = await client.get(
            x.url(f"/2/users/{X_USER}/tweets"),
            params={"max_results": "5"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert wire.json()["data"][0]["text"].startswith(
        "&lt;script&gt;alert(1)&lt;/script&gt; AT&amp;T"
    )
    assert "created_at" not in wire.json()["data"][0]  # only when tweet.fields asks
    page = await twitter(x).timeline(token, X_USER, X_NAME, since_id=None)
    assert page.posts[0].text == written


async def test_x_timeline_pages_with_next_token(x: FakeTwitter) -> None:
    token, _ = x.issue_token(scope=X_SCOPE, user_id=X_USER)
    ids = [x.add_tweet(X_USER, f"post {n}") for n in range(25)]
    provider = twitter(x)
    first = await provider.timeline(token, X_USER, X_NAME, since_id=None)
    assert [post.id for post in first.posts] == ids[::-1][:20]  # the first look: 20
    assert first.newest_id == ids[-1] and first.next_token
    second = await provider.timeline(
        token, X_USER, X_NAME, since_id=None, next_token=first.next_token
    )
    assert [post.id for post in second.posts] == ids[::-1][20:]
    assert second.next_token is None
    assert x.timeline_requests[-1]["query"]["pagination_token"] == first.next_token


async def test_x_timeline_pages_keep_since_id(x: FakeTwitter) -> None:
    token, _ = x.issue_token(scope=X_SCOPE, user_id=X_USER)
    ids = [x.add_tweet(X_USER, f"post {n}") for n in range(130)]
    provider = twitter(x)
    first = await provider.timeline(token, X_USER, X_NAME, since_id=ids[9])
    assert len(first.posts) == 100 and first.next_token
    second = await provider.timeline(
        token, X_USER, X_NAME, since_id=ids[9], next_token=first.next_token
    )
    assert [post.id for post in second.posts] == ids[10:30][::-1]
    assert second.next_token is None


async def test_x_timeline_rate_limit_headers(x: FakeTwitter) -> None:
    token, _ = x.issue_token(scope=X_SCOPE, user_id=X_USER)
    provider = twitter(x)
    page = await provider.timeline(token, X_USER, X_NAME, since_id=None)
    assert page.rate_limit.remaining == 899 and not page.rate_limit.exhausted
    x.set_timeline_limit(1, reset_in=120)
    page = await provider.timeline(token, X_USER, X_NAME, since_id=None)
    assert page.rate_limit.exhausted
    assert near(page.rate_limit.reset_at, datetime.now(UTC) + timedelta(seconds=120))
    with pytest.raises(PublishError) as error:
        await provider.timeline(token, X_USER, X_NAME, since_id=None)
    assert error.value.kind == RETRY and error.value.retry_at == page.rate_limit.reset_at


async def test_x_timeline_window_refills_after_the_reset(x: FakeTwitter) -> None:
    token, _ = x.issue_token(scope=X_SCOPE, user_id=X_USER)
    x.set_timeline_limit(0, reset_in=0)
    page = await twitter(x).timeline(token, X_USER, X_NAME, since_id=None)
    assert page.rate_limit.remaining == 899


async def test_x_timeline_429_carries_the_headers(x: FakeTwitter) -> None:
    token, _ = x.issue_token(scope=X_SCOPE, user_id=X_USER)
    x.set_timeline_limit(0, reset_in=300)
    async with httpx.AsyncClient() as client:
        response = await client.get(
            x.url(f"/2/users/{X_USER}/tweets"), headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 429
    assert response.json() == {
        "title": "Too Many Requests",
        "detail": "Too Many Requests",
        "type": "about:blank",
        "status": 429,
    }
    assert response.headers["x-rate-limit-remaining"] == "0"
    assert int(response.headers["x-rate-limit-reset"]) >= int(time.time()) + 298


async def test_x_timeline_unknown_token_is_a_token_error(x: FakeTwitter) -> None:
    with pytest.raises(PublishError) as error:
        await twitter(x).timeline("nope", X_USER, X_NAME, since_id=None)
    assert error.value.kind == TOKEN


async def test_x_timeline_refusal_is_a_provider_error(x: FakeTwitter) -> None:
    token, _ = x.issue_token(scope=X_SCOPE, user_id=X_USER)
    with pytest.raises(ProviderError):
        await twitter(x).timeline(token, "777", "someone", since_id=None)


async def test_x_timeline_refused_connection_is_a_provider_error(x: FakeTwitter) -> None:
    provider = Twitter(ServiceConfig(settings=X_SETTINGS, endpoints=closed_port_endpoints(x)))
    with pytest.raises((ProviderError, PublishError)):
        await provider.timeline("any", X_USER, X_NAME, since_id=None)


async def test_x_timeline_server_error_is_an_error(x: FakeTwitter) -> None:
    token, _ = x.issue_token(scope=X_SCOPE, user_id=X_USER)
    x.timeline_failures.append(503)
    with pytest.raises(ProviderError):
        await twitter(x).timeline(token, X_USER, X_NAME, since_id=None)
    assert (await twitter(x).timeline(token, X_USER, X_NAME, since_id=None)).posts == []


async def test_x_fake_serves_slow_timelines_side_by_side(
    x: FakeTwitter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(provider_http, "TIMEOUT", httpx.Timeout(3.0))
    token, _ = x.issue_token(scope=X_SCOPE, user_id=X_USER)
    x.timeline_delay = 0.5
    provider = twitter(x)
    started = time.monotonic()
    pages = await asyncio.gather(
        provider.timeline(token, X_USER, X_NAME, since_id=None),
        provider.timeline(token, X_USER, X_NAME, since_id=None),
    )
    assert time.monotonic() - started < 0.9  # not one after the other
    assert len(x.timeline_requests) == 2
    assert sorted(page.rate_limit.remaining or 0 for page in pages) == [898, 899]


# ------------------------------------------------------------------------ X: refresh


async def test_x_refresh_rotates_and_the_old_token_is_refused(x: FakeTwitter) -> None:
    access, refresh = x.issue_token(scope=X_SCOPE, user_id=X_USER)
    provider = twitter(x)
    tokens = await provider.refresh(refresh)
    assert tokens.refresh_token and tokens.refresh_token != refresh
    assert tokens.access_token != access and tokens.expires_at is not None
    assert set(tokens.scopes) == set(X_SCOPE.split())
    assert x.refreshes == 1
    # the new access token is the same person's
    await provider.publish(tokens.access_token, "after the refresh")
    assert x.created[0]["author_id"] == X_USER
    with pytest.raises(ProviderError):
        await provider.refresh(refresh)
    again = await provider.refresh(tokens.refresh_token)
    assert again.refresh_token not in (refresh, tokens.refresh_token)
    assert (x.refreshes, x.refresh_attempts) == (2, 3)


async def test_x_refresh_authenticates_the_client(x: FakeTwitter) -> None:
    _, refresh = x.issue_token(scope=X_SCOPE)
    stranger = Twitter(
        ServiceConfig(settings={**X_SETTINGS, "client_secret": "wrong"}, endpoints=x.endpoints())
    )
    with pytest.raises(ProviderError):
        await stranger.refresh(refresh)
    assert (await twitter(x).refresh(refresh)).access_token  # not spent by the stranger


async def test_x_spent_refresh_token_is_invalid_grant(x: FakeTwitter) -> None:
    _, refresh = x.issue_token(scope=X_SCOPE)
    provider = twitter(x)
    await provider.refresh(refresh)
    with pytest.raises(ProviderError) as error:
        await provider.refresh(refresh)
    assert error.value.code == "invalid_grant"


async def test_generic_fake_refresh_rotates_with_invalid_grant() -> None:
    fake = FakeMailRu(
        client_id="6c3d5d1c2b9f4f6e8a7b0c1d2e3f4a5b",
        client_secret="0a1b2c3d4e5f60718293a4b5c6d7e8f9",
        profile={"id": "9183673"},
    )
    fake.start()
    try:
        provider = MailRu(
            ServiceConfig(
                settings={"client_id": fake.client_id, "client_secret": fake.client_secret},
                endpoints=fake.endpoints(),
            )
        )
        _, refresh = fake.issue_token(scope="userinfo", user_id="9183673")
        tokens = await provider.refresh(refresh)
        assert tokens.refresh_token not in (None, refresh)
        assert fake.tokens[tokens.access_token].user_id == "9183673"
        with pytest.raises(ProviderError) as error:
            await provider.refresh(refresh)
        assert error.value.code == "invalid_grant"
        assert fake.refreshes == 1
    finally:
        fake.stop()


# --------------------------------------------------------------------------- Facebook


async def test_facebook_publish_returns_the_id_and_the_url(fb: FakeFacebook) -> None:
    token, _ = fb.issue_token(user_id=FB_USER)
    published = await facebook(fb).publish(token, "Отметил 5 км")
    person, _, post = published.external_id.partition("_")
    assert person == FB_USER and post.isdigit()
    assert published.url == f"https://www.facebook.com/{FB_USER}/posts/{post}"
    assert fb.feed_posts == [
        {"id": published.external_id, "message": "Отметил 5 км", "user_id": FB_USER}
    ]
    method, path, params = fb.requests[-1]
    assert (method, path) == ("POST", f"/{GRAPH_VERSION}/me/feed")
    proof = hmac.new(FB_SETTINGS["client_secret"].encode(), token.encode(), hashlib.sha256)
    assert params["appsecret_proof"] == proof.hexdigest()
    assert "access_token" not in params  # the token rides in the Authorization header


async def test_facebook_wrong_app_secret_is_refused(fb: FakeFacebook) -> None:
    token, _ = fb.issue_token(user_id=FB_USER)
    error = await publish_error(facebook(fb, client_secret="0" * 32), token, "hello")
    assert error.kind == REFUSED and "GraphMethodException" in error.detail
    assert fb.feed_posts == []


async def test_facebook_unknown_or_expired_token_is_a_token_error(fb: FakeFacebook) -> None:
    provider = facebook(fb)
    error = await publish_error(provider, "not-a-token", "a")
    assert error.kind == TOKEN and "code='190'" in error.detail
    token, _ = fb.issue_token(user_id=FB_USER)
    fb.expire(token)
    assert (await publish_error(provider, token, "b")).kind == TOKEN
    assert fb.feed_posts == []


async def test_facebook_duplicate_is_a_duplicate(fb: FakeFacebook) -> None:
    token, _ = fb.issue_token(user_id=FB_USER)
    provider = facebook(fb)
    await provider.publish(token, "same words")
    error = await publish_error(provider, token, "same words")
    assert error.kind == DUPLICATE and "506" in error.detail
    other, _ = fb.issue_token(user_id="555")
    await provider.publish(other, "same words")
    assert len(fb.feed_posts) == 2


@pytest.mark.parametrize(("status", "kind"), [(500, UNKNOWN), (503, UNKNOWN), (429, RETRY)])
async def test_facebook_scripted_errors(fb: FakeFacebook, status: int, kind: str) -> None:
    # 5xx: it may have failed after publishing; 429 is code 4, transient: not published
    token, _ = fb.issue_token(user_id=FB_USER)
    fb.post_failures.append(status)
    error = await publish_error(facebook(fb), token, "hello")
    assert error.kind == kind
    assert fb.feed_posts == []
    assert (await facebook(fb).publish(token, "hello")).external_id


async def test_facebook_no_answer_is_unknown_and_a_retry_is_a_duplicate(
    fb: FakeFacebook,
) -> None:
    token, _ = fb.issue_token(user_id=FB_USER)
    fb.post_failures.append("no_answer")
    provider = facebook(fb)
    assert (await publish_error(provider, token, "maybe published")).kind == UNKNOWN
    assert [post["message"] for post in fb.feed_posts] == ["maybe published"]
    assert (await publish_error(provider, token, "maybe published")).kind == DUPLICATE


async def test_facebook_empty_message_is_refused(fb: FakeFacebook) -> None:
    token, _ = fb.issue_token(user_id=FB_USER)
    error = await publish_error(facebook(fb), token, "")
    assert error.kind == REFUSED and "Missing message" in error.detail


async def test_facebook_without_user_feed_publishing_is_refused(fb: FakeFacebook) -> None:
    fb.user_feed_publishing = False  # the Graph API as it is since 2018
    token, _ = fb.issue_token(user_id=FB_USER)
    error = await publish_error(facebook(fb), token, "hello")
    assert error.kind == REFUSED and "code='200'" in error.detail


async def test_facebook_refused_connection_is_retry(fb: FakeFacebook) -> None:
    provider = Facebook(ServiceConfig(settings=FB_SETTINGS, endpoints=closed_port_endpoints(fb)))
    assert (await publish_error(provider, "any", "hello")).kind == RETRY


async def test_facebook_long_message_is_shortened(fb: FakeFacebook) -> None:
    token, _ = fb.issue_token(user_id=FB_USER)
    await facebook(fb).publish(token, "слово " * 1000)
    sent = fb.feed_posts[0]["message"]
    assert len(sent) <= 5000 and sent.endswith("слово…")
