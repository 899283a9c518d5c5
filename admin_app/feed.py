"""The live feed's use cases: signed-in people post short messages to the site's feed and
read it, newest first, a page at a time; an open page asks for what is new.

Posts are plain text: pages show them as text, with links made clickable and nothing else
interpreted. Asking the database for what is new (rather than telling one process's
pages) lets every app process's pages follow, whichever process took the post.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from admin_app.accounts import current_viewer
from admin_app.form_problems import FormError
from admin_app.i18n import N_
from models import feed
from models.db import session_scope
from models.sites import site_for_host
from models.tables import FeedPost, User

MAX_LENGTH = 500
PAGE_SIZE = 20


class NotSignedInError(Exception):
    """Nobody is signed in in this browser any more."""


class PostError(FormError):
    """A message that cannot be posted; the field is ``text``."""


@dataclass(frozen=True)
class FeedLine:
    id: int
    author: str
    text: str
    created_at: datetime
    #: where an imported post came from (a link to the original); None for ours
    external_url: str | None


@dataclass(frozen=True)
class FeedPage:
    lines: list[FeedLine]
    #: give it back to ``feed_page`` for the next (older) page; None: nothing older
    older: int | None


def _line(post: FeedPost, author: User) -> FeedLine:
    assert post.id is not None
    name = f"{author.first_name} {author.last_name}".strip() or author.login
    return FeedLine(post.id, name, post.text, post.created_at, post.external_url)


def site_of(host: str | None) -> str:
    with session_scope() as session:
        return site_for_host(session, host).id


def post_message(site_id: str, text: str) -> FeedLine:
    """Post as the signed-in person; raises NotSignedInError, or PostError for an empty or
    too long message (nothing stored then)."""
    viewer = current_viewer()
    if viewer is None:
        raise NotSignedInError
    text = text.strip()
    if not text:
        raise PostError.single("text", N_("Write something first."))
    if len(text) > MAX_LENGTH:
        raise PostError.single(
            "text", N_("A post has at most {limit} characters."), limit=MAX_LENGTH
        )
    with session_scope() as session:
        post = feed.add_post(session, site_id=site_id, author_id=viewer.id, text=text)
        author = session.get(User, viewer.id)
        assert author is not None
        return _line(post, author)


def feed_page(site_id: str, older_than: int | None = None) -> FeedPage:
    """One page of the feed, newest first; ``older_than`` the ``older`` of the page before."""
    with session_scope() as session:
        rows = feed.posts_before(session, site_id, older_than, PAGE_SIZE + 1)
        lines = [_line(post, author) for post, author in rows[:PAGE_SIZE]]
    return FeedPage(lines, lines[-1].id if len(rows) > PAGE_SIZE else None)


def newer_posts(site_id: str, newer_than: int) -> list[FeedLine]:
    """What was posted after ``newer_than``, oldest first (some at most: ask again from
    the last one for the rest)."""
    with session_scope() as session:
        return [
            _line(post, author)
            for post, author in feed.posts_after(session, site_id, newer_than, PAGE_SIZE)
        ]
