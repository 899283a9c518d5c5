"""The fake X (Twitter) API itself: what it refuses and how it counts, as X does. If these
fail, the publishing tests in tests/unit/providers would fail for reasons of the fake."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.fakes.twitter import FakeTwitter, weighted_length

X_USER = "2244994945"
X_SCOPE = "tweet.read tweet.write users.read offline.access"


@pytest.fixture
def x() -> Iterator[FakeTwitter]:
    fake = FakeTwitter(
        profile={"data": {"id": X_USER, "name": "Иван Петров", "username": "ivan_petrov"}},
        client_id="M1M5R3BMVy13QmpScXkzTUt5OE46MTpjaQ",
        client_secret="s7Vq2Xk9pL0mN3bR8tY6uW1zA4cE5gH",
    )
    fake.start()
    yield fake
    fake.stop()


async def test_x_fake_counts_as_x_does() -> None:
    assert weighted_length("привет") == 6  # Cyrillic weighs 1
    assert weighted_length("日本語") == 6  # CJK weighs 2
    assert weighted_length("…") == 2  # outside twitter-text's light ranges
    assert weighted_length("👨‍👩‍👧") == 2  # one emoji sequence
    assert weighted_length("see https://example.org/" + "x" * 100) == 4 + 23
    assert weighted_length("x" * 280) == 280


async def test_x_fake_wants_json(x: FakeTwitter) -> None:
    token, _ = x.issue_token(scope=X_SCOPE)
    async with httpx.AsyncClient() as client:
        as_form = await client.post(
            x.url("/2/tweets"), data={"text": "hi"}, headers={"Authorization": f"Bearer {token}"}
        )
        empty = await client.post(
            x.url("/2/tweets"), json={"text": " "}, headers={"Authorization": f"Bearer {token}"}
        )
    assert as_form.status_code == 400 and as_form.json()["title"] == "Invalid Request"
    assert empty.status_code == 400
    assert x.created == []


# ----------------------------------------------------------------------- X: timeline


async def test_x_fake_timeline_checks_its_parameters(x: FakeTwitter) -> None:
    token, _ = x.issue_token(scope=X_SCOPE, user_id=X_USER)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient() as client:
        too_few = await client.get(
            x.url(f"/2/users/{X_USER}/tweets"), params={"max_results": "3"}, headers=headers
        )
        foreign = await client.get(x.url("/2/users/777/tweets"), headers=headers)
    assert too_few.status_code == 400
    assert "between 5 and 100" in too_few.json()["errors"][0]["message"]
    assert foreign.status_code == 403
