"""Publishing activity in Chromium, through the real server's outbox: a person links X
(a fake X API, real HTTP on 127.0.0.1), switches "publish my activity" on, posts in the
feed, and sees under the post that it was published, without a reload."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.support.fakes.twitter import FakeTwitter
from tests.support.social_setup import Setup, sign_in_locally

ROBERT_ON_X = {"data": {"id": "x-robert", "name": "Robert Roe", "username": "robert_x"}}


@pytest.fixture
def x_api(setup: Setup) -> Iterator[FakeTwitter]:
    fake = FakeTwitter(client_id="x-client", client_secret="x-secret", profile=ROBERT_ON_X)
    fake.start()
    setup.more_services["twitter"] = {
        "enabled": True,
        "settings": {"client_id": "x-client", "client_secret": "x-secret"},
        "endpoints": fake.endpoints(),
    }
    yield fake
    fake.stop()


def test_a_feed_post_is_published_on_linked_x(
    browser: Browser, setup: Setup, x_api: FakeTwitter
) -> None:
    setup.configure(send_activity=True)
    setup.local_user("robert", "robert@example.org")
    base = setup.app.base_url
    page = browser.new_page()
    sign_in_locally(page, base, "robert")
    page.get_by_role("button", name="Link X (Twitter)").click()  # the fake approves at once
    expect(page.get_by_role("status")).to_have_text("X (Twitter) is now linked to your account.")
    switch = page.get_by_role("switch", name="Publish my activity through X (Twitter)")
    switch.click()
    expect(switch).to_be_checked()
    page.goto(f"{base}/feed")
    # typed only once the page's socket is up: a value typed before is never sent (seen on
    # CI's first, cold browser start)
    page.wait_for_function("window.socket && window.socket.connected")
    page.get_by_label("Your message").fill("Hello X, from the feed")
    page.get_by_role("button", name="Post").click()
    expect(page.get_by_text("Published on X (Twitter)")).to_be_visible(timeout=15_000)
    assert [(p["text"], p["author_id"]) for p in x_api.created] == [
        ("Hello X, from the feed", "x-robert")
    ]
    link = page.get_by_role("link", name="open")
    expect(link).to_have_attribute("href", f"https://x.com/i/web/status/{x_api.created[0]['id']}")
