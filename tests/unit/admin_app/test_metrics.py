"""``/metrics`` (docs/operations.md): Prometheus's text, only for the configured
addresses; sign-ins counted as they finish, the outboxes and the import read from the
database."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from nicegui.testing import User

from admin_app.mail.letters import Letter
from admin_app.mail.outbox import queue_letter
from models.db import session_scope
from tests.support.fakes.openid import FakeOpenIDProvider
from tests.support.social_round_trips import configure, fake_provider, round_trip

PERSON = {"sub": "metrics-1", "email": "m@example.org", "email_verified": True, "name": "M"}
SAMPLE = re.compile(r"^(?P<name>[a-z_]+)(?:\{(?P<labels>.*)\})? (?P<value>\S+)$")


@pytest.fixture
def idp() -> Iterator[FakeOpenIDProvider]:
    yield from fake_provider(PERSON)


@pytest.fixture
def on_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCIALSERVICES_DATABASE_URL", database_url)


def samples(text: str) -> dict[str, float]:
    """``name{labels}`` -> value; every line is a comment or a well-formed sample."""
    found = {}
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        match = SAMPLE.match(line)
        assert match, f"not Prometheus's text format: {line!r}"
        found[f"{match['name']}{{{match['labels'] or ''}}}"] = float(match["value"])
    return found


async def scrape(user: User) -> dict[str, float]:
    response = await user.http_client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return samples(response.text)


SIGNED_IN = (
    'socialservices_sign_ins_total{method="service",service="staff",result="success",reason=""}'
)
STATE_INVALID = (
    'socialservices_sign_ins_total{method="service",service="staff",result="failure",'
    'reason="state_invalid"}'
)


async def test_sign_ins_are_counted_with_their_outcome(
    on_database: None, user: User, idp: FakeOpenIDProvider
) -> None:
    configure(idp)
    before = await scrape(user)
    assert (await round_trip()).refusal is None
    assert (await round_trip(tamper={"state": "forged"})).refusal == "state_invalid"
    after = await scrape(user)
    assert after[SIGNED_IN] - before.get(SIGNED_IN, 0) == 1
    assert after[STATE_INVALID] - before.get(STATE_INVALID, 0) == 1
    assert after["socialservices_database_up{}"] == 1


async def test_the_outboxes_and_the_import_are_read_from_the_database(
    on_database: None, user: User
) -> None:
    before = await scrape(user)
    pending = 'socialservices_queue_rows{queue="mail",status="pending"}'
    assert before.get(pending, 0) == 0
    assert before["socialservices_hashtag_import_last_finished_seconds{}"] == 0
    queue_letter_for_test()
    assert (await scrape(user))[pending] == 1


async def test_the_pages_a_process_holds_are_counted(on_database: None, user: User) -> None:
    """A page drawn and connected counts as open; none is left over from before."""
    before = await scrape(user)
    assert before['socialservices_pages{connection="open"}'] == 0
    await user.open("/login")
    after = await scrape(user)
    assert after['socialservices_pages{connection="open"}'] == 1
    assert after['socialservices_pages{connection="waiting"}'] == 0


def queue_letter_for_test() -> None:
    with session_scope() as session:
        queue_letter(
            session,
            recipient="m@example.org",
            kind="test",
            language="en",
            letter=Letter(subject="s", text="t", html="<p>h</p>"),
        )


@pytest.fixture
def metrics_for_others(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only addresses the test client (127.0.0.1) is not among; before the app starts."""
    monkeypatch.setenv("SOCIALSERVICES_METRICS_ADDRESSES", "10.0.0.0/8, 192.0.2.7")


async def test_another_address_gets_403_and_no_figure(
    on_database: None, metrics_for_others: None, user: User
) -> None:
    response = await user.http_client.get("/metrics")
    assert response.status_code == 403
    assert "socialservices_" not in response.text
    assert "SOCIALSERVICES_METRICS_ADDRESSES" in response.text
