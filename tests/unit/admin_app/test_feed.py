"""The live feed (/feed) in the simulated browser: posting, text only, paging, and new
posts appearing without a reload."""

from __future__ import annotations

from nicegui import ui
from nicegui.testing import User

from admin_app.activity import feed as feed_use_cases
from admin_app.activity import outbox as activity_outbox
from admin_app.activity.hashtag_import import import_round
from admin_app.web.plain_link import PlainLink
from models import feed
from models.db import session_scope
from tests.support.accounts import RETRIES, add_user, sign_in
from tests.support.activity_setup import (
    X_SCOPES,
    configure,
    facebook_api,
    link,
    write_post,
    x_api,
)
from tests.support.fakes.facebook import FakeFacebook
from tests.support.fakes.twitter import FakeTwitter

__all__ = ["facebook_api", "x_api"]


async def open_feed(user: User, login: str = "alice") -> int:
    user_id = add_user(login)
    await sign_in(user, login, path="/login?next=/feed")
    await user.should_see(marker="feed-post", retries=RETRIES)
    await user.open("/feed")  # events now see this page's cookie
    return user_id


def posted_elsewhere(author_id: int, text: str) -> int:
    """A post written in another browser (or another app process)."""
    with session_scope() as session:
        post = feed.add_post(session, site_id="s1", author_id=author_id, text=text)
        assert post.id is not None
        return post.id


async def test_anonymous_visitors_are_sent_to_sign_in(user: User) -> None:
    response = await user.http_client.get("/feed")
    assert response.status_code in {302, 303, 307}
    assert response.headers["location"].startswith("/login?next=/feed")


async def test_a_post_appears_newest_first_as_text_with_links(user: User) -> None:
    await open_feed(user)
    await user.should_see("Nothing has been posted yet.")
    for number, text in enumerate(
        ("first post", "<b>bold?</b> see https://example.org/a?b=1 now"), start=1
    ):
        user.find(marker="feed-text").type(text)
        user.find(marker="feed-post").click()
        await user.should_see(marker=f"post-{number}", retries=RETRIES)
    await user.should_not_see(marker="feed-empty")
    (feed_list,) = user.find(marker="feed").elements
    items = feed_list.default_slot.children
    assert len(items) == 2
    newest = next(e for e in items[0].descendants() if isinstance(e, ui.html))
    content = newest.content
    assert "&lt;b&gt;bold?&lt;/b&gt;" in content and "<b>" not in content
    assert (
        '<a href="https://example.org/a?b=1"' in content and 'rel="noopener noreferrer"' in content
    )


async def test_empty_and_long_posts_are_refused(user: User) -> None:
    alice = await open_feed(user)
    user.find(marker="feed-post").click()
    await user.should_see("Write something first.", retries=RETRIES)
    user.find(marker="feed-text").type("x" * (feed_use_cases.MAX_LENGTH + 1))
    user.find(marker="feed-post").click()
    await user.should_see("A post has at most 500 characters.", retries=RETRIES)
    with session_scope() as session:
        assert feed.posts_before(session, "s1", None, 10) == []
    assert alice


async def test_posts_from_elsewhere_appear_without_reload(user: User) -> None:
    alice = await open_feed(user)
    bob = add_user("bob")
    posted_elsewhere(bob, "hello from another browser")
    await user.should_see("hello from another browser", retries=RETRIES)
    await user.should_see("Bob")
    assert alice


async def test_older_posts_come_a_page_at_a_time(user: User) -> None:
    bob = add_user("bob")
    ids = [posted_elsewhere(bob, f"message number {n:02d}") for n in range(25)]
    await open_feed(user)
    await user.should_see("message number 24", retries=RETRIES)
    await user.should_see("message number 05")
    await user.should_not_see("message number 04")
    user.find(marker="feed-older").click()
    await user.should_see("message number 00", retries=RETRIES)
    await user.should_not_see(marker="feed-older")
    assert len(ids) == 25


# ------------------------------------------------ publishing and imported posts, on the page


async def test_the_author_sees_where_a_post_was_published(
    user: User, x_api: FakeTwitter, facebook_api: FakeFacebook
) -> None:
    configure(x_api, facebook_api)
    alice = await open_feed(user)
    link(alice, "twitter", "x-alice", x_api.issue_token(scope=X_SCOPES, user_id="x-alice"))
    token, _ = facebook_api.issue_token(user_id="fb-alice")
    link(alice, "facebook", "fb-alice", (token, None))
    facebook_api.expire(token)
    user.find(marker="feed-text").type("off to X")
    user.find(marker="feed-post").click()
    await user.should_see(marker="post-1", retries=RETRIES)
    await user.should_see("Sending to X (Twitter)…")
    await activity_outbox.deliver_due()
    await user.should_see(marker="delivery-1-sent", retries=RETRIES)
    await user.should_see("Published on X (Twitter)")
    await user.should_see(marker="delivery-1-failed")
    await user.should_see("Not published on Facebook. Facebook no longer accepts")
    assert [p["text"] for p in x_api.created] == ["off to X"]


async def test_others_do_not_see_an_authors_deliveries(
    user: User, x_api: FakeTwitter, facebook_api: FakeFacebook
) -> None:
    configure(x_api, facebook_api)
    bob = add_user("bob")
    link(bob, "twitter", "x-bob", x_api.issue_token(scope=X_SCOPES, user_id="x-bob"))
    write_post(bob, "a post by Bob")
    await activity_outbox.deliver_due()
    await open_feed(user)
    await user.should_see("a post by Bob", retries=RETRIES)
    await user.should_not_see("Published on X (Twitter)")


async def test_an_imported_post_with_html_is_shown_as_text_with_its_original(
    user: User, x_api: FakeTwitter, facebook_api: FakeFacebook
) -> None:
    configure(x_api, facebook_api, hashtags=("#python",))
    await open_feed(user)
    bob = add_user("bob")
    link(
        bob, "twitter", "x-bob", x_api.issue_token(scope=X_SCOPES, user_id="x-bob"), username="bob"
    )
    tweet = x_api.add_tweet("x-bob", '<img src=x onerror="alert(1)"> & <b>#Python</b>')
    assert (await import_round()).imported == 1
    await user.should_see(marker="post-1", retries=RETRIES)
    (feed_list,) = user.find(marker="feed").elements
    content = next(e for e in feed_list.descendants() if isinstance(e, ui.html)).content
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &lt;b&gt;#Python&lt;/b&gt;" in (
        content
    )
    assert "<img" not in content and "<b>" not in content
    original = next(e for e in feed_list.descendants() if isinstance(e, PlainLink))
    assert original.props["href"] == f"https://x.com/bob/status/{tweet}"
