"""The live feed (/feed) in the simulated browser: posting, text only, paging, and new
posts appearing without a reload."""

from __future__ import annotations

from nicegui import ui
from nicegui.testing import User

from admin_app import feed as feed_use_cases
from models import feed
from models.db import session_scope
from tests.unit.admin_app.conftest import RETRIES, add_user
from tests.unit.admin_app.test_sign_in_pages import sign_in


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
